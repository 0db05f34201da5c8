#pragma once
// JobMonitor: the UI's side of the engine (docs/architecture.md). It owns the engine worker thread,
// submits jobs, and re-emits their progress and outcome as Qt signals on the UI thread: the
// engine calls back on its own thread, so every callback is marshalled with a queued call.
#include "jobs/engine.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <QString>

#include <map>
#include <memory>

namespace cs::ui {

struct JobStatus {
    quint64 id = 0;
    QString name;
    QString stage;
    QString message;
    double fraction = 0.0;
    jobs::JobState state = jobs::JobState::Queued;
    QString error;
    QElapsedTimer clock;   // started when the job starts running
    qint64 finishedMs = -1;
};

inline constexpr int kProgressIntervalMs = 250;

// Where a job runs. Engine: the one engine thread, one job at a time (LibTorch work, runs through
// the CLI). OwnThread: a thread of its own, for jobs that mostly wait on other processes or a
// cluster (a sweep), so the runs started meanwhile do not queue behind them.
enum class JobLane { Engine, OwnThread };

class JobMonitor : public QObject {
    Q_OBJECT
public:
    explicit JobMonitor(QObject* parent = nullptr);
    ~JobMonitor() override;

    quint64 submit(std::unique_ptr<jobs::Job> job, const QString& displayName, JobLane lane = JobLane::Engine);
    void cancel(quint64 id);
    void cancelAll();
    const JobStatus* status(quint64 id) const;
    int activeCount() const;

signals:
    void jobAdded(quint64 id);
    void jobChanged(quint64 id);   // stage, fraction or state changed
    void jobFinished(quint64 id);  // done, failed or cancelled; status(id)->error says why

private:
    void onStarted(quint64 id);
    void onProgress(quint64 id, const jobs::Progress& progress);
    void onFinished(quint64 id, const jobs::JobOutcome& outcome);

    void flushProgress();

    QHash<quint64, JobStatus> status_;
    // Progress arrives up to 20 times a second per job; the panel repaints at most every
    // kProgressIntervalMs (a repaint of a window holding GL views costs a full composition).
    QSet<quint64> dirty_;
    QTimer* flush_ = nullptr;
    QHash<quint64, jobs::JobHandle> handles_;
    quint64 nextId_ = 1;
    // The threads of OwnThread jobs, each ended once its job has finished.
    std::map<quint64, std::unique_ptr<jobs::Engine>> ownThreads_;
    std::unique_ptr<jobs::Engine> engine_;  // last member: joined first when destroyed
};

}  // namespace cs::ui
