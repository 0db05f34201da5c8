#include "panels/run_panel.h"

#include "services/job_monitor.h"
#include "panels/project_explorer.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace cs::ui {

namespace {
QString formatElapsed(qint64 ms) {
    const qint64 s = ms / 1000;
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}
}  // namespace

RunPanel::RunPanel(JobMonitor* monitor, QWidget* parent) : QWidget(parent), monitor_(monitor) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);
    auto* toolbar = new QHBoxLayout;
    auto* clear = new QPushButton(tr("Clear finished"), this);
    clear->setToolTip(tr("Remove the rows of jobs that have ended"));
    toolbar->addStretch();
    toolbar->addWidget(clear);
    outer->addLayout(toolbar);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* content = new QWidget(scroll);
    rowsLayout_ = new QVBoxLayout(content);
    rowsLayout_->setContentsMargins(0, 0, 0, 0);
    emptyLabel_ = new QLabel(tr("No jobs. Start one with Run ▸ New Run…"), content);
    emptyLabel_->setEnabled(false);
    rowsLayout_->addWidget(emptyLabel_);
    rowsLayout_->addStretch();
    scroll->setWidget(content);
    outer->addWidget(scroll);

    clock_ = new QTimer(this);
    clock_->setInterval(500);
    connect(clock_, &QTimer::timeout, this, &RunPanel::tick);
    connect(clear, &QPushButton::clicked, this, &RunPanel::clearFinished);
    connect(monitor_, &JobMonitor::jobAdded, this, &RunPanel::addRow);
    connect(monitor_, &JobMonitor::jobChanged, this, &RunPanel::updateRow);
}

void RunPanel::addRow(quint64 id) {
    const JobStatus* status = monitor_->status(id);
    if (!status) return;
    Row row;
    row.frame = new QFrame(this);
    static_cast<QFrame*>(row.frame)->setFrameShape(QFrame::StyledPanel);
    auto* grid = new QGridLayout(row.frame);
    grid->setContentsMargins(6, 4, 6, 4);
    row.name = new QLabel(QStringLiteral("<b>%1</b>").arg(status->name.toHtmlEscaped()), row.frame);
    row.bar = new QProgressBar(row.frame);
    row.bar->setRange(0, 1000);
    row.bar->setTextVisible(true);
    row.stage = new QLabel(row.frame);
    // A changing message must not re-layout the dock (and with it the whole window) each time.
    row.stage->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    row.elapsed = new QLabel(row.frame);
    row.cancel = new QToolButton(row.frame);
    row.cancel->setIcon(style()->standardIcon(QStyle::SP_DialogCancelButton));
    row.cancel->setToolTip(tr("Cancel this job (takes effect within a second)"));
    row.cancel->setObjectName(QStringLiteral("cancelJob%1").arg(id));
    grid->addWidget(row.name, 0, 0, 1, 2);
    grid->addWidget(row.elapsed, 0, 2, Qt::AlignRight);
    grid->addWidget(row.bar, 1, 0, 1, 2);
    grid->addWidget(row.cancel, 1, 2);
    grid->addWidget(row.stage, 2, 0, 1, 3);
    grid->setColumnStretch(1, 1);
    connect(row.cancel, &QToolButton::clicked, this, [this, id] {
        monitor_->cancel(id);
        if (rows_.contains(id)) {
            rows_[id].cancel->setEnabled(false);
            rows_[id].stage->setText(tr("cancelling…"));
        }
    });
    rowsLayout_->insertWidget(0, row.frame);
    rows_.insert(id, row);
    emptyLabel_->hide();
    clock_->start();
    updateRow(id);
}

void RunPanel::updateRow(quint64 id) {
    const JobStatus* status = monitor_->status(id);
    auto it = rows_.find(id);
    if (!status || it == rows_.end()) return;
    const bool finished = status->finishedMs >= 0;
    it->bar->setValue(int(status->fraction * 1000));
    it->bar->setFormat(QStringLiteral("%1%").arg(status->fraction * 100, 0, 'f', 0));
    QString stage = status->stage;
    if (!status->message.isEmpty()) stage += QStringLiteral(" — ") + status->message;
    if (status->state == jobs::JobState::Failed) stage = tr("failed: %1").arg(status->error);
    it->stage->setText(stage);
    it->stage->setToolTip(stage);
    if (finished) {
        it->cancel->setEnabled(false);
        const QString state = QString::fromLatin1(jobs::toString(status->state));
        it->bar->setStyleSheet(QStringLiteral("QProgressBar::chunk { background: %1; }")
                                   .arg(runStatusColor(state).name()));
        it->elapsed->setText(formatElapsed(status->finishedMs));
    }
    tick();
}

void RunPanel::tick() {
    bool anyRunning = false;
    for (auto it = rows_.begin(); it != rows_.end(); ++it) {
        const JobStatus* status = monitor_->status(it.key());
        if (!status || status->finishedMs >= 0) continue;
        anyRunning = true;
        it->elapsed->setText(status->clock.isValid() ? formatElapsed(status->clock.elapsed()) : tr("queued"));
    }
    if (!anyRunning) clock_->stop();
}

void RunPanel::clearFinished() {
    for (auto it = rows_.begin(); it != rows_.end();) {
        const JobStatus* status = monitor_->status(it.key());
        if (status && status->finishedMs >= 0) {
            delete it->frame;
            it = rows_.erase(it);
        } else {
            ++it;
        }
    }
    emptyLabel_->setVisible(rows_.isEmpty());
}

QToolButton* RunPanel::cancelButton(quint64 jobId) const {
    auto it = rows_.find(jobId);
    return it == rows_.end() ? nullptr : it->cancel;
}

QProgressBar* RunPanel::progressBar(quint64 jobId) const {
    auto it = rows_.find(jobId);
    return it == rows_.end() ? nullptr : it->bar;
}

QString RunPanel::stageText(quint64 jobId) const {
    auto it = rows_.find(jobId);
    return it == rows_.end() ? QString() : it->stage->text();
}

}  // namespace cs::ui
