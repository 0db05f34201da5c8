#pragma once
// SaeDashboard: a RecSAE run's latents (docs/recsae.md): a sortable, filterable table
// (frequency, confidence, precision, recall, tags), the activation histogram of the selected
// latent, its top-activating sequences, the dead-latent count and the density histogram
// (log10 activation frequency over latents), stored ablation/steering results, and the user's own
// item concepts: the latents that fire for a tag or a list of items, each one click from steering.
#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QCheckBox;
class QTableView;
class QTextBrowser;
class QChartView;
class QChart;
class QDoubleSpinBox;
class QPushButton;
class QTableWidget;
class QVBoxLayout;

namespace cs::results {
struct RunData;
}

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

struct LatentRow {
    qint64 id = 0;
    int index = 0;
    double frequency = 0, confidence = 0, precision = 0, recall = 0;
    QStringList tags;
    QString label, note;  // the user's; empty when none
    bool dead = false;
    QString metadataJson;
};

class LatentTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Index, Frequency, Confidence, Precision, Recall, Tags, Label, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setRows(std::vector<LatentRow> rows);
    const LatentRow& row(int r) const { return rows_[size_t(r)]; }
    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(rows_.size()); }
    int columnCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<LatentRow> rows_;
};

// Text filter over the index and tags, hides dead latents and those under a confidence.
class LatentFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setHideDead(bool hide);
    void setMinConfidence(double confidence);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    bool hideDead_ = false;
    double minConfidence_ = 0;
};

class SaeDashboard : public QWidget {
    Q_OBJECT
public:
    SaeDashboard(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    QTableView* table() const { return table_; }
    LatentFilterModel* proxy() const { return proxy_; }
    void setFilterText(const QString& text);
    void setHideDead(bool hide);
    int deadCount() const { return deadCount_; }
    QString summaryText() const;
    QString sequencesText() const;
    int histogramBars() const { return histogramBars_; }

    int selectedLatentIndex() const;  // -1 when none
    // Shows an ablation result ({latent, scale, mean_overlap, tags_rose, tags_fell, examples}).
    void showAblationResult(const QString& json);
    void setAblationAvailable(bool available, const QString& why = {});
    QString ablationText() const;
    QPushButton* ablateButton() const { return ablate_; }

    // "Your item concept": the latents found for the user's tag or item ids ({latents: [{latent,
    // precision, recall, f1, activations, tags}], n_items, states_with_items, n_states}), or why not.
    void showUserConceptResult(const QString& json);
    QLineEdit* userConceptEdit() const { return userConcept_; }
    QComboBox* userConceptKind() const { return userConceptKind_; }
    QTableWidget* userConceptTable() const { return userLatents_; }
    QPushButton* steerButton() const { return steer_; }

signals:
    void ablationRequested(qint64 runId, int latent, double scale);
    void userConceptRequested(qint64 runId, const QString& tag, const QStringList& itemIds);  // a tag, or item ids

public slots:
    void reload();

private:
    void showLatent(qint64 latentId);
    // A run opens on its most confident latent, so the dashboard shows one at once.
    void selectMostConfidentLatent();
    void fillDensityChart();
    void buildUserConceptRow(QWidget* box, QVBoxLayout* layout);
    // The line above the table: latent counts and the run's quality measures.
    QString summaryLine(const std::vector<LatentRow>& rows, const results::RunData& run) const;
    // The run's stored ablation and steering results as HTML; empty when there are none.
    QString storedAblationsHtml(const results::RunData& run) const;

    ProjectSession* session_;
    ConceptSelection* selection_;
    LatentTableModel* model_;
    LatentFilterModel* proxy_;
    QLabel* summary_;
    QLineEdit* filter_;
    QCheckBox* hideDead_;
    QTableView* table_;
    QChartView* histogram_;
    QChartView* density_;
    QTextBrowser* sequences_;
    QTextBrowser* ablation_;
    QDoubleSpinBox* scale_;
    QPushButton* ablate_;
    QComboBox* userConceptKind_;  // a tag, or item ids
    QLineEdit* userConcept_;
    QPushButton* findLatents_;
    QTableWidget* userLatents_;
    QLabel* userConceptSummary_;
    QPushButton* steer_;
    bool ablationAvailable_ = false;
    QString ablationUnavailable_;
    int deadCount_ = 0;
    int histogramBars_ = 0;
};

}  // namespace cs::ui
