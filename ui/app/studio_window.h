#pragma once
// StudioWindow: the main window of `concept-studio`. Docks: project explorer and run panel;
// centre: one tab per view of the current run. File > New/Open/Recent/Open Demo Project,
// light/dark themes, keyboard shortcuts. Every failure opening a file ends in a dialog
// carrying cs::Error's message (file and problem), never in a crash.
#include "services/run_launch.h"
#include "services/theme.h"

#include <QHash>
#include <QSet>
#include <QMainWindow>
#include <QPointer>

#include <QMessageBox>
class QTabWidget;
class QMenu;
class QDockWidget;
class QLabel;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;
class JobMonitor;
class ProjectExplorer;
class RunPanel;
class RunOverview;
class NewRunDialog;
class SearchDialog;

struct StudioOptions {
    QString demoDir;  // where demo.cstudio lives; empty = $XDG_DATA_HOME/concept-studio/demo
    Theme theme = Theme::Light;
};

class StudioWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit StudioWindow(const StudioOptions& options = {}, QWidget* parent = nullptr);
    ~StudioWindow() override;

    // Opens a project; on failure shows a dialog and keeps the current project. Returns success.
    bool openProject(const QString& path);
    bool newProject(const QString& path);
    bool openDemoProject();
    QString demoProjectPath() const;

    void setTheme(Theme theme);
    // Names: overview, atlas, heatmap, hierarchy, sae, compare. Returns false for an unknown name.
    bool showView(const QString& name);
    QStringList viewNames() const;
    QString currentViewName() const;

    ProjectSession* session() const { return session_; }
    ConceptSelection* selection() const { return selection_; }
    JobMonitor* jobs() const { return jobs_; }
    ProjectExplorer* explorer() const { return explorer_; }
    RunPanel* runPanel() const { return runPanel_; }
    QTabWidget* views() const { return tabs_; }
    // The error dialog shown last (non-modal to the event loop), for tests and scripts.
    QMessageBox* lastErrorDialog() const { return lastError_; }

    static QStringList recentProjects();

    // Set by the application when it links the engines; without one, New Run says so.
    void setRunLauncher(RunLauncher launcher) { launcher_ = std::move(launcher); }
    // File > Export Report: writes DIR/report.html and report.pdf of the open project through
    // concept-studio-cli, as a job; returns its id (0 when it could not start).
    quint64 exportReport(const QString& outDir);
    void setAblationLauncher(AblationLauncher launcher);
    void setUserConceptLauncher(UserConceptLauncher launcher);
    quint64 startAblation(const AblationRequest& request);
    // The SAE dashboard's "Your item concept": the latents that fire for a tag or items.
    quint64 startUserConcept(const UserConceptRequest& request);
    // Starts a run on the engine thread; a dialog on failure. Returns the job id (0 = not started).
    quint64 startRun(const RunSpec& spec);
    // Opens the New Run dialog (non-blocking); returns it for tests.
    NewRunDialog* showNewRunDialog();
    // Edit > Label Selected (F2): the label editor for the selected concept, or latent in the SAE
    // dashboard; returns the editor, nullptr when nothing is selected.
    QWidget* editSelectedLabel();
    // Edit > Find (Ctrl+F): the search dialog (one per window, non-modal).
    SearchDialog* showSearch();
    // Selects the newest finished run (else the newest run): what a project opens on.
    void selectLatestRun();

public slots:
    void showError(const QString& title, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    quint64 submitWithResult(const std::function<LaunchedJob()>& launch, const QString& name, const QString& what,
                             const std::function<void(const QString&)>& show);
    QHash<quint64, QString> reportJobs_;  // export-report jobs → their output folder
    QHash<quint64, QString> sweepJobs_;   // sweep jobs → their folder: the sweep view opens on it when they end
    QSet<quint64> comparisonJobs_;        // method comparisons: the Methods view opens on them when they end
    void buildMenus();
    void buildFileMenu();
    void buildEditMenu();
    void buildViewMenu();
    void buildRunMenu();
    void buildHelpMenu();
    void buildDocks();
    void addView(const QString& name, const QString& title, QWidget* view);
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void updateTitle();
    void onJobFinished(quint64 id);

    StudioOptions options_;
    ProjectSession* session_;
    ConceptSelection* selection_;
    JobMonitor* jobs_;
    ProjectExplorer* explorer_ = nullptr;
    RunPanel* runPanel_ = nullptr;
    RunOverview* overview_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QLabel* statusProject_ = nullptr;
    QStringList viewNames_;
    QPointer<QMessageBox> lastError_;
    QPointer<SearchDialog> search_;
    RunLauncher launcher_;
    AblationLauncher ablationLauncher_;
    UserConceptLauncher userConceptLauncher_;
};

}  // namespace cs::ui
