#pragma once
// RunPanel: one row per engine job: name, progress bar, stage, elapsed time and a cancel
// button that calls JobHandle::cancel through the JobMonitor.
#include <QHash>
#include <QWidget>

class QVBoxLayout;
class QLabel;
class QProgressBar;
class QToolButton;
class QTimer;

namespace cs::ui {

class JobMonitor;

class RunPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunPanel(JobMonitor* monitor, QWidget* parent = nullptr);
    int rowCount() const { return rows_.size(); }
    // For tests and scripts: the cancel button of a job's row.
    QToolButton* cancelButton(quint64 jobId) const;
    QProgressBar* progressBar(quint64 jobId) const;
    QString stageText(quint64 jobId) const;

public slots:
    void clearFinished();

private:
    struct Row {
        QWidget* frame = nullptr;
        QLabel* name = nullptr;
        QProgressBar* bar = nullptr;
        QLabel* stage = nullptr;
        QLabel* elapsed = nullptr;
        QToolButton* cancel = nullptr;
    };
    void addRow(quint64 id);
    void updateRow(quint64 id);
    void tick();

    JobMonitor* monitor_;
    QVBoxLayout* rowsLayout_;
    QLabel* emptyLabel_;
    QHash<quint64, Row> rows_;
    QTimer* clock_;
};

}  // namespace cs::ui
