#include "services/job_monitor.h"

#include <QMetaObject>
#include <QPointer>
#include <QTimer>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace cs::ui {

namespace {
// The engine thread runs at a lower priority than the UI thread, so on a loaded machine the
// scheduler serves clicks and repaints first (a job only loses the little time the UI needs).
void lowerEngineThreadPriority() {
#ifdef __linux__
    setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
#endif
}
}  // namespace

JobMonitor::JobMonitor(QObject* parent)
    : QObject(parent), engine_(std::make_unique<jobs::Engine>(lowerEngineThreadPriority)) {
    flush_ = new QTimer(this);
    flush_->setSingleShot(true);
    flush_->setInterval(kProgressIntervalMs);
    connect(flush_, &QTimer::timeout, this, &JobMonitor::flushProgress);
}

void JobMonitor::flushProgress() {
    const QSet<quint64> ids = std::exchange(dirty_, {});
    for (quint64 id : ids) emit jobChanged(id);
}

JobMonitor::~JobMonitor() {
    // Cancel and join before the status tables go: callbacks posted after this are dropped
    // with the QObject.
    ownThreads_.clear();
    engine_.reset();
}

quint64 JobMonitor::submit(std::unique_ptr<jobs::Job> job, const QString& displayName, JobLane lane) {
    const quint64 id = nextId_++;
    JobStatus& status = status_[id];
    status.id = id;
    status.name = displayName;
    status.stage = tr("queued");

    // The callbacks run on the engine thread; QPointer + queued invoke brings them home.
    QPointer<JobMonitor> self(this);
    jobs::JobCallbacks callbacks;
    callbacks.onStarted = [self, id] {
        if (self) QMetaObject::invokeMethod(self, [self, id] { if (self) self->onStarted(id); }, Qt::QueuedConnection);
    };
    callbacks.onProgress = [self, id](const jobs::Progress& progress) {
        if (self)
            QMetaObject::invokeMethod(self, [self, id, progress] { if (self) self->onProgress(id, progress); },
                                      Qt::QueuedConnection);
    };
    callbacks.onFinished = [self, id](const jobs::JobOutcome& outcome) {
        if (self)
            QMetaObject::invokeMethod(self, [self, id, outcome] { if (self) self->onFinished(id, outcome); },
                                      Qt::QueuedConnection);
    };
    jobs::Engine* engine = engine_.get();
    if (lane == JobLane::OwnThread) engine = (ownThreads_[id] = std::make_unique<jobs::Engine>()).get();
    handles_.insert(id, engine->submit(std::move(job), std::move(callbacks)));
    emit jobAdded(id);
    return id;
}

void JobMonitor::cancel(quint64 id) {
    auto it = handles_.find(id);
    if (it != handles_.end()) it->cancel();
}

void JobMonitor::cancelAll() {
    for (auto& handle : handles_) handle.cancel();
}

const JobStatus* JobMonitor::status(quint64 id) const {
    auto it = status_.find(id);
    return it == status_.end() ? nullptr : &it.value();
}

int JobMonitor::activeCount() const {
    int count = 0;
    for (const auto& status : status_)
        if (status.state == jobs::JobState::Queued || status.state == jobs::JobState::Running) ++count;
    return count;
}

void JobMonitor::onStarted(quint64 id) {
    auto it = status_.find(id);
    if (it == status_.end()) return;
    if (it->state == jobs::JobState::Queued) {
        it->state = jobs::JobState::Running;
        it->stage = tr("starting");
        it->clock.start();
    }
    emit jobChanged(id);
}

void JobMonitor::onProgress(quint64 id, const jobs::Progress& progress) {
    auto it = status_.find(id);
    if (it == status_.end() || it->finishedMs >= 0) return;  // a late report after the end
    if (it->state == jobs::JobState::Queued) {
        it->state = jobs::JobState::Running;
        it->clock.start();
    }
    it->stage = QString::fromStdString(progress.stage);
    it->message = QString::fromStdString(progress.message);
    it->fraction = progress.fraction;
    dirty_.insert(id);
    if (!flush_->isActive()) flush_->start();
}

void JobMonitor::onFinished(quint64 id, const jobs::JobOutcome& outcome) {
    auto it = status_.find(id);
    if (it == status_.end()) return;
    it->state = outcome.state;
    it->error = QString::fromStdString(outcome.error);
    it->finishedMs = it->clock.isValid() ? it->clock.elapsed() : 0;
    if (outcome.state == jobs::JobState::Done) it->fraction = 1.0;
    it->stage = QString::fromLatin1(jobs::toString(outcome.state));
    dirty_.remove(id);
    // The job's own thread has nothing left to run; it is joined once this call has returned.
    if (ownThreads_.count(id) > 0) QTimer::singleShot(0, this, [this, id] { ownThreads_.erase(id); });
    emit jobChanged(id);
    emit jobFinished(id);
}

}  // namespace cs::ui
