// concept-studio [PROJECT]: the point-and-click studio.
//   --demo-dir DIR       where the demo project lives (DIR/demo.cstudio, written by
//                        `concept-studio-cli demo --out DIR`); default $XDG_DATA_HOME/concept-studio/demo
//   --demo               open the demo project at start
//   --theme light|dark   colour theme (remembered otherwise)
//   --view NAME          view to show first (overview, atlas, heatmap, hierarchy, sae, compare)
//   --run ID             run to select first
//   --concept ID         concept (or latent) row to select in that run
//   --screenshot FILE    render the window, save it as PNG and exit (docs, tests); exit 1 on failure
//   --size WxH           window size (default 1400x900)
#include "app/studio_window.h"
#include "services/selection_model.h"
#include "cs/build_info.h"
#include "run_launcher.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <optional>

namespace {

// What the command line asks for; an option left out is empty (std::nullopt).
struct StartupArguments {
    std::optional<QString> project, theme, view, run, concept, screenshot, size;
    QString demoDir;
    bool demo = false;
};

StartupArguments parseArguments(const QApplication& app) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("ConceptStudio: explore what trained models learned"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("project file (.cstudio) to open"), QStringLiteral("[PROJECT]"));
    const QCommandLineOption demoDir(QStringLiteral("demo-dir"), QStringLiteral("folder holding demo.cstudio"), QStringLiteral("DIR"));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("open the demo project"));
    const QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("light or dark"), QStringLiteral("NAME"));
    const QCommandLineOption view(QStringLiteral("view"), QStringLiteral("view to show first"), QStringLiteral("NAME"));
    const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("run to select first"), QStringLiteral("ID"));
    const QCommandLineOption concept(QStringLiteral("concept"), QStringLiteral("concept or latent row to select"), QStringLiteral("ID"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("save the window as PNG and exit"), QStringLiteral("FILE"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size, e.g. 1400x900"), QStringLiteral("WxH"));
    parser.addOptions({demoDir, demo, theme, view, run, concept, screenshot, size});
    parser.process(app);

    const auto valueOf = [&parser](const QCommandLineOption& option) -> std::optional<QString> {
        if (!parser.isSet(option)) return std::nullopt;
        return parser.value(option);
    };
    StartupArguments arguments;
    if (!parser.positionalArguments().isEmpty()) arguments.project = parser.positionalArguments().first();
    arguments.theme = valueOf(theme);
    arguments.view = valueOf(view);
    arguments.run = valueOf(run);
    arguments.concept = valueOf(concept);
    arguments.screenshot = valueOf(screenshot);
    arguments.size = valueOf(size);
    arguments.demoDir = parser.value(demoDir);
    arguments.demo = parser.isSet(demo);
    return arguments;
}

// Opens the project and shows the run, concept and view asked for. Returns false (after saying
// so on stderr) for an unknown view.
bool showStartState(cs::ui::StudioWindow& window, const StartupArguments& arguments) {
    bool opened = true;
    if (arguments.project) opened = window.openProject(*arguments.project);
    else if (arguments.demo) opened = window.openDemoProject();
    if (opened && arguments.run) window.selection()->setRun(arguments.run->toLongLong());
    if (opened && arguments.concept) window.selection()->setConcept(arguments.concept->toLongLong());
    if (arguments.view && !window.showView(*arguments.view)) {
        std::fprintf(stderr, "concept-studio: unknown view '%s' (known: %s)\n", qPrintable(*arguments.view),
                     qPrintable(window.viewNames().join(QStringLiteral(", "))));
        return false;
    }
    return true;
}

// Saves the window as PNG once it has painted, then quits (exit 1 when the file cannot be written).
void saveScreenshotAndQuit(cs::ui::StudioWindow& window, const QString& file) {
    // Let layouts settle and GL views paint a couple of frames before grabbing.
    QTimer::singleShot(1200, &window, [&window, file] {
        const QPixmap pixmap = window.grab();
        const bool ok = !pixmap.isNull() && pixmap.save(file, "PNG");
        if (!ok) std::fprintf(stderr, "concept-studio: %s: cannot save the screenshot\n", qPrintable(file));
        QApplication::exit(ok ? 0 : 1);
    });
}

// The studio's views are OpenGL widgets, which need a real window system. Without a display Qt's
// xcb and wayland plugins abort inside QApplication; the offscreen and minimal platforms start but
// crash when the first QOpenGLWidget is shown. Either way the user would see a crash, not a reason.
constexpr const char* kUseDesktop = "run it on a desktop (xcb or wayland), or use concept-studio-cli";

bool platformChosenOnCommandLine(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "-platform") == 0 || std::strcmp(argv[i], "--platform") == 0) return true;
    return false;
}

// Before QApplication: a display platform (the default, xcb or wayland) with no display to use.
bool reportMissingDisplay(int argc, char** argv) {
    if (platformChosenOnCommandLine(argc, argv)) return false;
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    const bool displayPlatform = platform.isEmpty() || platform.startsWith("xcb") || platform.startsWith("wayland");
    if (!displayPlatform || !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        return false;
    std::fprintf(stderr, "concept-studio: no display to show the studio on (DISPLAY and WAYLAND_DISPLAY are not set); %s\n",
                 kUseDesktop);
    return true;
}

// After QApplication, before any QOpenGLWidget is shown: platforms that cannot host one.
bool reportPlatformWithoutOpenGlWindows() {
    const QString platform = QGuiApplication::platformName();
    if (platform != QLatin1String("offscreen") && platform != QLatin1String("minimal")) return false;
    std::fprintf(stderr, "concept-studio: the '%s' platform cannot show the studio's OpenGL views; %s\n",
                 qPrintable(platform), kUseDesktop);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (reportMissingDisplay(argc, argv)) return 1;
    // VTK's OpenGL2 backend needs a 3.2 core context; this must precede QApplication.
    cs::ui::VtkViewWidget::setDefaultSurfaceFormat();
    QApplication::setAttribute(Qt::AA_UseHighDpiPixmaps);
    QApplication app(argc, argv);
    if (reportPlatformWithoutOpenGlWindows()) return 1;
    QApplication::setApplicationName(QStringLiteral("concept-studio"));
    QApplication::setOrganizationName(QStringLiteral("ConceptStudio"));
    QApplication::setApplicationVersion(QStringLiteral(CS_VERSION_STRING));
    const StartupArguments arguments = parseArguments(app);

    cs::ui::StudioOptions options;
    options.demoDir = arguments.demoDir;
    options.theme = cs::ui::themeFromName(arguments.theme ? *arguments.theme : QSettings().value(QStringLiteral("theme")).toString());
    cs::ui::StudioWindow window(options);
    window.setRunLauncher(makeEngineLauncher());
    window.setAblationLauncher(makeAblationLauncher());
    window.setUserConceptLauncher(makeUserConceptLauncher());
    if (arguments.size) {
        const QStringList parts = arguments.size->split(QLatin1Char('x'));
        if (parts.size() == 2) window.resize(parts[0].toInt(), parts[1].toInt());
    }
    window.show();
    if (!showStartState(window, arguments)) return 2;
    if (arguments.screenshot) saveScreenshotAndQuit(window, *arguments.screenshot);
    return app.exec();
}
