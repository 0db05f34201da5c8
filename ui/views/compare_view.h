#pragma once
// CompareView: two CRAFT runs side by side. Their top-level concepts are matched one-to-one
// by the cosine of their concept vectors (rows of W), maximising the total cosine with the
// Hungarian algorithm; each pair shows both importances. Concepts left without a partner
// (different numbers of concepts), and pairs below the similarity threshold or with vectors
// of different lengths (other layers or models), are flagged.
#include <QWidget>

class QComboBox;
class QTableWidget;
class QLabel;
class QDoubleSpinBox;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

struct ConceptMatch {
    qint64 a = 0, b = 0;  // concept ids; 0 = none on that side
    double cosine = 0;
    bool weak = false;
};

class CompareView : public QWidget {
    Q_OBJECT
public:
    CompareView(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    void setRuns(qint64 runA, qint64 runB);
    const QList<ConceptMatch>& matches() const { return matches_; }
    QTableWidget* table() const { return table_; }
    QString summaryText() const;

public slots:
    void reload();

private:
    void recompute();

    ProjectSession* session_;
    ConceptSelection* selection_;
    QComboBox* runA_;
    QComboBox* runB_;
    QDoubleSpinBox* threshold_;
    QTableWidget* table_;
    QLabel* summary_;
    QList<ConceptMatch> matches_;
};

}  // namespace cs::ui
