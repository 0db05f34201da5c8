#pragma once
// ConceptAtlas: one card per concept of the current CRAFT run: its colour, label, layer, best
// crops, and importance with its spread over images (mean ± std of the Sobol total index).
// Sort by importance / index / name, filter by text, include sub-concepts or not. Clicking a
// card selects the concept for every view.
#include "views/craft_results.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QLineEdit;
class QCheckBox;
class QGridLayout;
class QLabel;
class QFrame;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

class ConceptAtlas : public QWidget {
    Q_OBJECT
public:
    ConceptAtlas(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);

    enum class SortKey { Importance, Index, Name };
    void setSortKey(SortKey key);
    void setFilterText(const QString& text);
    void setShowSubConcepts(bool show);
    // Concept ids of the cards shown, in order.
    QList<qint64> cardOrder() const { return order_; }
    QFrame* card(qint64 conceptId) const { return cards_.value(conceptId); }

public slots:
    void reload();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuildCards();
    void layoutCards();
    void highlightSelection();
    QFrame* makeCard(const ConceptInfo& concept, double maxImportance);

    ProjectSession* session_;
    ConceptSelection* selection_;
    QComboBox* sortBox_;
    QLineEdit* filter_;
    QCheckBox* subConcepts_;
    QLabel* status_;
    QWidget* grid_;
    QGridLayout* gridLayout_;
    CraftResults results_;
    QHash<qint64, QFrame*> cards_;
    QList<qint64> order_;
    int columns_ = 0;
};

// Paints importance as a bar with a whisker for the spread, in the concept's colour.
class ImportanceBar : public QWidget {
public:
    ImportanceBar(double value, double spread, double maximum, const QColor& color, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {160, 14}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    double value_, spread_, maximum_;
    QColor color_;
};

}  // namespace cs::ui
