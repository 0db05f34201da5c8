#include "app/studio_window.h"

#include "services/cli_run_job.h"
#include "services/job_monitor.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/sweep_job.h"
#include "common/error.h"
#include "dialogs/new_run_dialog.h"
#include "dialogs/search_dialog.h"
#include "services/label_edits.h"
#include "store/project_store.h"
#include "cs/build_info.h"
#include "panels/project_explorer.h"
#include "panels/run_panel.h"
#include "views/run_overview.h"
#include "views/sae_dashboard.h"
#include "views/methods_view.h"
#include "views/sweep_view.h"
#include "views/view_registry.h"

#include <algorithm>

#include <QAction>

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>

namespace cs::ui {

namespace {
constexpr int kMaxRecent = 8;
const char* kRecentKey = "recentProjects";
const char* kProjectFilter = QT_TRANSLATE_NOOP("StudioWindow", "ConceptStudio projects (*.cstudio);;All files (*)");
}  // namespace

StudioWindow::StudioWindow(const StudioOptions& options, QWidget* parent)
    : QMainWindow(parent),
      options_(options),
      session_(new ProjectSession(this)),
      selection_(new ConceptSelection(this)),
      jobs_(new JobMonitor(this)) {
    setObjectName(QStringLiteral("StudioWindow"));
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("views"));
    tabs_->setDocumentMode(true);
    setCentralWidget(tabs_);

    overview_ = new RunOverview(session_, selection_, tabs_);
    addView(QStringLiteral("overview"), tr("Overview"), overview_);
    for (const auto& view : createRunViews(session_, selection_, jobs_, tabs_))
        addView(view.name, view.title, view.widget);

    buildDocks();
    buildMenus();
    statusProject_ = new QLabel(this);
    statusBar()->addPermanentWidget(statusProject_);

    connect(session_, &ProjectSession::projectChanged, this, [this] {
        selection_->clear();
        selectLatestRun();  // the first look shows a run, not "select a run"
        updateTitle();
    });
    connect(overview_, &RunOverview::viewRequested, this, [this](qint64 runId, const QString& view) {
        selection_->setRun(runId);
        showView(view);
    });
    connect(jobs_, &JobMonitor::jobFinished, this, &StudioWindow::onJobFinished);
    connect(explorer_, &ProjectExplorer::loadFailed, this,
            [this](const QString& message) { showError(tr("Cannot read the project"), message); });
    connect(explorer_, &ProjectExplorer::runActivated, this, [this](qint64) { showView(QStringLiteral("overview")); });
    if (auto* sweeps = findChild<SweepView*>()) {
        connect(explorer_, &ProjectExplorer::sweepActivated, this, [this, sweeps](qint64 sweepId) {
            sweeps->showSweep(sweepId);
            showView(QStringLiteral("sweep"));
        });
        connect(sweeps, &SweepView::runActivated, this, [this](qint64) { showView(QStringLiteral("overview")); });
    }
    if (auto* methods = findChild<MethodsView*>()) {
        connect(explorer_, &ProjectExplorer::comparisonActivated, this, [this, methods](qint64 groupId) {
            methods->showGroup(groupId);
            showView(QStringLiteral("methods"));
        });
        connect(methods, &MethodsView::runActivated, this, [this](qint64) { showView(QStringLiteral("overview")); });
    }
    if (auto* sae = findChild<SaeDashboard*>()) {
        connect(sae, &SaeDashboard::ablationRequested, this, [this](qint64 runId, int latent, double scale) {
            AblationRequest request;
            request.projectPath = session_->path();
            request.runId = runId;
            request.latent = latent;
            request.scale = scale;
            startAblation(request);
        });
        connect(sae, &SaeDashboard::userConceptRequested, this, [this](qint64 runId, const QString& tag, const QStringList& itemIds) {
            UserConceptRequest request;
            request.projectPath = session_->path();
            request.runId = runId;
            request.tag = tag;
            request.itemIds = itemIds;
            startUserConcept(request);
        });
    }
    setTheme(options_.theme);
    resize(1400, 900);
    updateTitle();
}

StudioWindow::~StudioWindow() = default;

void StudioWindow::addView(const QString& name, const QString& title, QWidget* view) {
    view->setObjectName(name + QStringLiteral("View"));
    tabs_->addTab(view, title);
    viewNames_ << name;
}

void StudioWindow::buildDocks() {
    explorer_ = new ProjectExplorer(session_, selection_, this);
    auto* explorerDock = new QDockWidget(tr("Project"), this);
    explorerDock->setObjectName(QStringLiteral("projectDock"));
    explorerDock->setWidget(explorer_);
    addDockWidget(Qt::LeftDockWidgetArea, explorerDock);

    runPanel_ = new RunPanel(jobs_, this);
    auto* runDock = new QDockWidget(tr("Jobs"), this);
    runDock->setObjectName(QStringLiteral("jobsDock"));
    runDock->setWidget(runPanel_);
    addDockWidget(Qt::LeftDockWidgetArea, runDock);
    resizeDocks({explorerDock}, {320}, Qt::Horizontal);
}

void StudioWindow::buildMenus() {
    buildFileMenu();
    buildEditMenu();
    buildViewMenu();
    buildRunMenu();
    buildHelpMenu();
}

void StudioWindow::buildFileMenu() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newAction = file->addAction(tr("&New Project…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("New project"), QDir::homePath(), tr(kProjectFilter));
        if (path.isEmpty()) return;
        newProject(path.endsWith(QLatin1String(".cstudio")) ? path : path + QStringLiteral(".cstudio"));
    });
    newAction->setShortcut(QKeySequence::New);
    QAction* openAction = file->addAction(tr("&Open Project…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QDir::homePath(), tr(kProjectFilter));
        if (!path.isEmpty()) openProject(path);
    });
    openAction->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &StudioWindow::rebuildRecentMenu);
    rebuildRecentMenu();
    QAction* demo = file->addAction(tr("Open &Demo Project"), this, [this] { openDemoProject(); });
    demo->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    file->addSeparator();
    QAction* exportReportAction = file->addAction(tr("&Export Report…"), this, [this] {
        if (!session_->isOpen()) {
            showError(tr("No project"), tr("Open a project first: the report is made from its runs."));
            return;
        }
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for report.html and report.pdf"));
        if (!dir.isEmpty()) exportReport(dir);
    });
    exportReportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction* close = file->addAction(tr("&Close Project"), this, [this] { session_->close(); });
    close->setShortcut(QKeySequence::Close);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
}

// Undo/redo of the user's edits (labels), labelling the selection, and search.
void StudioWindow::buildEditMenu() {
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = session_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = session_->undoStack()->createRedoAction(this, tr("&Redo"));
    // Ctrl+Shift+Z, and Ctrl+Y as other desktops use; QKeySequence::Redo would repeat the first.
    redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    QAction* label = edit->addAction(tr("&Label Selected…"), this, [this] { editSelectedLabel(); });
    label->setShortcut(QKeySequence(Qt::Key_F2));
    QAction* find = edit->addAction(tr("&Find…"), this, [this] { showSearch(); });
    find->setShortcut(QKeySequence::Find);
}

QWidget* StudioWindow::editSelectedLabel() {
    if (!session_->isOpen() || selection_->runId() == 0 || selection_->conceptId() == 0) {
        statusBar()->showMessage(tr("Select a concept or latent to label it."), 5000);
        return nullptr;
    }
    // The selection holds a latent's row in the SAE dashboard and a concept's row elsewhere.
    const auto target = currentViewName() == QLatin1String("sae") ? store::LabelTarget::Latent : store::LabelTarget::Concept;
    return openLabelEditor(this, session_, selection_->runId(), target, selection_->conceptId());
}

SearchDialog* StudioWindow::showSearch() {
    if (!search_) {
        search_ = new SearchDialog(session_, this);
        connect(search_, &SearchDialog::hitActivated, this, [this](qint64 runId, results::SearchHitKind kind, qint64 rowId) {
            selection_->setRun(runId);
            if (kind == results::SearchHitKind::Concept) showView(QStringLiteral("atlas"));
            else if (kind == results::SearchHitKind::Latent) showView(QStringLiteral("sae"));
            else showView(QStringLiteral("overview"));
            if (rowId != 0) selection_->setConcept(rowId);
        });
    }
    search_->show();
    search_->raise();
    search_->activateWindow();
    return search_;
}

void StudioWindow::selectLatestRun() {
    if (!session_->isOpen()) return;
    const auto runs = session_->store()->runs();  // newest first
    const auto done = std::find_if(runs.begin(), runs.end(), [](const auto& r) { return r.status == store::RunStatus::Done; });
    if (done != runs.end()) selection_->setRun(done->id);
    else if (!runs.empty()) selection_->setRun(runs.front().id);
}

// One entry per view tab (Ctrl+1…9), the docks, the themes and a reload.
void StudioWindow::buildViewMenu() {
    viewMenu_ = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < tabs_->count(); ++i) {
        QAction* action = viewMenu_->addAction(tabs_->tabText(i), this, [this, i] { tabs_->setCurrentIndex(i); });
        if (i < 9) action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }
    viewMenu_->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>()) viewMenu_->addAction(dock->toggleViewAction());
    viewMenu_->addSeparator();
    auto* themes = new QActionGroup(this);
    QAction* light = viewMenu_->addAction(tr("&Light Theme"), this, [this] { setTheme(Theme::Light); });
    QAction* dark = viewMenu_->addAction(tr("&Dark Theme"), this, [this] { setTheme(Theme::Dark); });
    for (QAction* a : {light, dark}) {
        a->setCheckable(true);
        themes->addAction(a);
    }
    (options_.theme == Theme::Dark ? dark : light)->setChecked(true);
    dark->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    viewMenu_->addSeparator();
    QAction* refresh = viewMenu_->addAction(tr("&Reload Project"), this, [this] {
        if (session_->isOpen()) session_->notifyDataChanged();
    });
    refresh->setShortcut(QKeySequence::Refresh);
}

void StudioWindow::buildRunMenu() {
    QMenu* run = menuBar()->addMenu(tr("&Run"));
    QAction* newRun = run->addAction(tr("&New Run…"), this, [this] { showNewRunDialog(); });
    newRun->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    run->addSeparator();
    QAction* cancelAll = run->addAction(tr("Cancel &All Jobs"), jobs_, &JobMonitor::cancelAll);
    cancelAll->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    run->addAction(tr("Clear &Finished Jobs"), runPanel_, &RunPanel::clearFinished);
}

void StudioWindow::buildHelpMenu() {
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About ConceptStudio"), this, [this] {
        QMessageBox::about(this, tr("About ConceptStudio"),
                           tr("<h3>ConceptStudio %1</h3><p>Concept-based explanations of vision and "
                              "recommendation models: CRAFT concepts, RecSAE latents, fat polygonal "
                              "hierarchy views.</p><p>Qt %2</p><p>%3</p>")
                               .arg(QStringLiteral(CS_VERSION_STRING), QString::fromLatin1(qVersion()),
                                    engineVersionText().toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
    });
}

bool StudioWindow::openProject(const QString& path) {
    try {
        if (!QFileInfo::exists(path)) throw cs::Error(path.toStdString(), "no such file");
        session_->open(path);
    } catch (const std::exception& e) {
        showError(tr("Cannot open project"), QString::fromStdString(e.what()));
        return false;
    }
    rememberRecent(session_->path());
    statusBar()->showMessage(tr("Opened %1").arg(session_->path()), 5000);
    return true;
}

bool StudioWindow::newProject(const QString& path) {
    try {
        session_->create(path);
    } catch (const std::exception& e) {
        showError(tr("Cannot create project"), QString::fromStdString(e.what()));
        return false;
    }
    rememberRecent(session_->path());
    return true;
}

QString StudioWindow::demoProjectPath() const {
    QString dir = options_.demoDir;
    if (dir.isEmpty()) {
        dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
              QStringLiteral("/concept-studio/demo");
    }
    return QDir(dir).filePath(QStringLiteral("demo.cstudio"));
}

bool StudioWindow::openDemoProject() {
    const QString path = demoProjectPath();
    if (!QFileInfo::exists(path)) {
        showError(tr("No demo project"),
                  tr("%1: no demo project there yet.\n\nCreate it with:\n  concept-studio-cli demo --out %2")
                      .arg(path, QFileInfo(path).absolutePath()));
        return false;
    }
    return openProject(path);
}

void StudioWindow::showError(const QString& title, const QString& message) {
    // Window-modal but not a nested event loop: jobs keep reporting and tests keep running.
    auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
    lastError_ = box;
    statusBar()->showMessage(message.section(QLatin1Char('\n'), 0, 0), 10000);
}

void StudioWindow::setTheme(Theme theme) {
    options_.theme = theme;
    applyTheme(theme);
    QSettings().setValue(QStringLiteral("theme"), themeName(theme));
    // Views that paint their own canvases (VTK, images) pick the new colours up on reload.
    if (session_->isOpen()) session_->notifyDataChanged();
}

bool StudioWindow::showView(const QString& name) {
    const int index = viewNames_.indexOf(name);
    if (index < 0) return false;
    tabs_->setCurrentIndex(index);
    return true;
}

QStringList StudioWindow::viewNames() const { return viewNames_; }

QString StudioWindow::currentViewName() const {
    const int index = tabs_->currentIndex();
    return index >= 0 && index < viewNames_.size() ? viewNames_[index] : QString();
}

QStringList StudioWindow::recentProjects() {
    return QSettings().value(QLatin1String(kRecentKey)).toStringList();
}

void StudioWindow::rememberRecent(const QString& path) {
    QStringList recent = recentProjects();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    QSettings().setValue(QLatin1String(kRecentKey), recent);
    rebuildRecentMenu();
}

void StudioWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = recentProjects();
    for (int i = 0; i < recent.size(); ++i) {
        const QString path = recent[i];
        QAction* action = recentMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(path), this,
                                                 [this, path] { openProject(path); });
        action->setEnabled(QFileInfo::exists(path));
    }
    if (recent.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
    recentMenu_->addSeparator();
    recentMenu_->addAction(tr("Clear List"), this, [this] {
        QSettings().remove(QLatin1String(kRecentKey));
        rebuildRecentMenu();
    });
}

void StudioWindow::updateTitle() {
    const QString name = session_->isOpen() ? session_->displayName() : tr("no project");
    setWindowTitle(tr("%1 — ConceptStudio").arg(name));
    statusProject_->setText(session_->isOpen() ? session_->path() : QString());
}

quint64 StudioWindow::exportReport(const QString& outDir) {
    // The report is written by `concept-studio-cli report` (the same HTML and PDF as headless use),
    // as a job: the UI thread never waits on it and the run panel shows it.
    const QString cli = findCliExecutable();
    if (cli.isEmpty()) {
        showError(tr("Cannot export the report"), tr("concept-studio-cli was found neither beside the studio nor on PATH."));
        return 0;
    }
    const QStringList args{"report", "--project", session_->path(), "--out", outDir, "--pdf"};
    const quint64 id = jobs_->submit(std::make_unique<CliRunJob>(cli, args, tr("Export report")), tr("Export report"));
    reportJobs_[id] = outDir;
    return id;
}

void StudioWindow::onJobFinished(quint64 id) {
    const JobStatus* status = jobs_->status(id);
    if (reportJobs_.contains(id)) {
        const QString dir = reportJobs_.take(id);
        if (status && status->state == jobs::JobState::Done)
            statusBar()->showMessage(tr("Report written to %1").arg(QDir(dir).filePath("report.html")), 10000);
    }
    if (session_->isOpen()) session_->notifyDataChanged();  // the job wrote rows: reload views
    // A sweep's runs were merged (also when some shards failed): show them side by side.
    if (sweepJobs_.contains(id) && session_->isOpen()) {
        const QString folder = sweepJobs_.take(id);
        for (const auto& sweep : session_->store()->sweeps()) {
            if (QString::fromStdString(sweep.folder) != folder) continue;
            if (auto* sweeps = findChild<SweepView*>()) sweeps->showSweep(sweep.id);
            showView(QStringLiteral("sweep"));
        }
    }
    // A method comparison ended (some runs may have failed): show its runs in the Methods view.
    if (comparisonJobs_.remove(id) && session_->isOpen()) {
        for (const auto& group : session_->store()->sweeps()) {
            if (group.kind != "comparison") continue;  // newest first: the first one is this job's
            if (auto* methods = findChild<MethodsView*>()) methods->showGroup(group.id);
            showView(QStringLiteral("methods"));
            break;
        }
    }
    if (status && status->state == jobs::JobState::Failed)
        showError(tr("Job failed"), tr("%1 failed:\n%2").arg(status->name, status->error));
}

NewRunDialog* StudioWindow::showNewRunDialog() {
    if (!session_->isOpen()) {
        showError(tr("No project"), tr("Open or create a project first: a run's results are stored in it."));
        return nullptr;
    }
    auto* dialog = new NewRunDialog(session_->path(), this);
    dialog->setObjectName(QStringLiteral("newRunDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { startRun(dialog->spec()); });
    dialog->open();
    return dialog;
}

quint64 StudioWindow::startRun(const RunSpec& spec) {
    if (!launcher_) {
        showError(tr("Cannot start the run"), tr("This build of the studio has no analysis engine linked; "
                                                 "use concept-studio-cli, then open the project here."));
        return 0;
    }
    std::unique_ptr<jobs::Job> job;
    try {
        job = launcher_(spec);
    } catch (const std::exception& e) {
        showError(tr("Cannot start the run"), QString::fromStdString(e.what()));
        return 0;
    }
    if (!job) {
        showError(tr("Cannot start the run"),
                  tr("This build has no engine for %1 runs.").arg(spec.kind == RunSpec::Kind::Craft ? tr("CRAFT") : tr("RecSAE")));
        return 0;
    }
    const QString name = QString::fromStdString(job->name());
    statusBar()->showMessage(tr("Started %1").arg(name), 5000);
    const auto* sweep = dynamic_cast<const SweepJob*>(job.get());
    const QString sweepFolder = sweep ? QFileInfo(sweep->folder()).absoluteFilePath() : QString();
    const quint64 id = jobs_->submit(std::move(job), name, sweep ? JobLane::OwnThread : JobLane::Engine);
    if (sweep) sweepJobs_.insert(id, sweepFolder);
    else if (spec.kind == RunSpec::Kind::Craft && craft::methodPairs(spec.craft).size() > 1) comparisonJobs_.insert(id);
    return id;
}

void StudioWindow::setUserConceptLauncher(UserConceptLauncher launcher) { userConceptLauncher_ = std::move(launcher); }

void StudioWindow::setAblationLauncher(AblationLauncher launcher) {
    ablationLauncher_ = std::move(launcher);
    if (auto* sae = findChild<SaeDashboard*>()) sae->setAblationAvailable(bool(ablationLauncher_), tr("this build has no RecSAE engine"));
}

quint64 StudioWindow::startAblation(const AblationRequest& request) {
    auto* sae = findChild<SaeDashboard*>();
    const QString name = request.scale == 0.0 ? tr("Ablate latent %1").arg(request.latent)
                                              : tr("Steer latent %1 × %2").arg(request.latent).arg(request.scale);
    return submitWithResult([&] { return ablationLauncher_ ? ablationLauncher_(request) : LaunchedJob{}; }, name, tr("the ablation"),
                            [sae](const QString& result) {
                                if (sae) sae->showAblationResult(result);
                            });
}

quint64 StudioWindow::startUserConcept(const UserConceptRequest& request) {
    auto* sae = findChild<SaeDashboard*>();
    const QString name = request.tag.isEmpty() ? tr("Latents for %1 items").arg(request.itemIds.size()) : tr("Latents for tag %1").arg(request.tag);
    return submitWithResult([&] { return userConceptLauncher_ ? userConceptLauncher_(request) : LaunchedJob{}; }, name,
                            tr("the search for latents"), [sae](const QString& result) {
                                if (sae) sae->showUserConceptResult(result);
                            });
}

// Launches a job whose result the dashboard shows: `show` gets its JSON when it is done, else the
// error (or "cancelled"). Returns the job's id, 0 when it could not start.
quint64 StudioWindow::submitWithResult(const std::function<LaunchedJob()>& launch, const QString& name, const QString& what,
                                       const std::function<void(const QString&)>& show) {
    LaunchedJob launched;
    try {
        launched = launch();
    } catch (const std::exception& e) {
        showError(tr("Cannot start %1").arg(what), QString::fromStdString(e.what()));
        return 0;
    }
    if (!launched.job) {
        showError(tr("Cannot start %1").arg(what), tr("This build has no RecSAE engine."));
        return 0;
    }
    const quint64 id = jobs_->submit(std::move(launched.job), name);
    auto result = launched.resultJson;
    // One-shot: show this job's result when it is done.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(jobs_, &JobMonitor::jobFinished, this, [this, id, result, show, connection](quint64 finished) {
        if (finished != id) return;
        disconnect(*connection);
        const JobStatus* status = jobs_->status(id);
        if (!status) return;
        if (status->state == jobs::JobState::Done && result) show(result());
        else show(status->state == jobs::JobState::Failed ? status->error : tr("cancelled"));
    });
    return id;
}

void StudioWindow::closeEvent(QCloseEvent* event) {
    if (jobs_->activeCount() > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Jobs running"),
            tr("%1 job(s) are still running. Cancel them and quit?").arg(jobs_->activeCount()));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        jobs_->cancelAll();
    }
    event->accept();
}

}  // namespace cs::ui
