#pragma once
// CompareView: two CRAFT runs side by side. Their top-level concepts are matched one-to-one
// by the cosine of their concept vectors (rows of W), maximising the total cosine with the
// Hungarian algorithm; each pair shows both importances. Concepts left without a partner
// (different numbers of concepts), and pairs below the similarity threshold or with vectors
// of different lengths (other layers or models), are flagged. Picking a pair shows both concepts
// side by side below the table: their best crops and a map of each. The Methods view embeds one,
// limited to the runs of a comparison (limitToRuns).
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
    // Only these runs are offered, in this order (until then: every finished CRAFT run of the project).
    void limitToRuns(const QList<qint64>& runIds);
    // Shows the pair of a table row side by side (as a click on the row does).
    void showPair(int row);
    QWidget* pairDetail() const { return pairDetail_; }
    const QList<ConceptMatch>& matches() const { return matches_; }
    QTableWidget* table() const { return table_; }
    QString summaryText() const;

public slots:
    void reload();

private:
    void recompute();
    void fillPairSide(int side, qint64 runId, qint64 conceptId);

    ProjectSession* session_;
    ConceptSelection* selection_;
    QComboBox* runA_;
    QComboBox* runB_;
    QDoubleSpinBox* threshold_;
    QTableWidget* table_;
    QLabel* summary_;
    QWidget* pairDetail_;
    QLabel* pairTitle_[2];
    QLabel* pairCrops_[2];
    QLabel* pairMap_[2];
    QList<ConceptMatch> matches_;
    QList<qint64> runChoices_;
    bool limited_ = false;
};

}  // namespace cs::ui
