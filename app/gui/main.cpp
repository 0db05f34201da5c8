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
#include "app/selection_model.h"
#include "cs/build_info.h"
#include "run_launcher.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    // VTK's OpenGL2 backend needs a 3.2 core context; this must precede QApplication.
    cs::ui::VtkViewWidget::setDefaultSurfaceFormat();
    QApplication::setAttribute(Qt::AA_UseHighDpiPixmaps);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("concept-studio"));
    QApplication::setOrganizationName(QStringLiteral("ConceptStudio"));
    QApplication::setApplicationVersion(QStringLiteral(CS_VERSION_STRING));

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

    cs::ui::StudioOptions options;
    options.demoDir = parser.value(demoDir);
    options.theme = cs::ui::themeFromName(parser.isSet(theme) ? parser.value(theme)
                                                              : QSettings().value(QStringLiteral("theme")).toString());
    cs::ui::StudioWindow window(options);
    window.setRunLauncher(makeEngineLauncher());
    window.setAblationLauncher(makeAblationLauncher());
    if (parser.isSet(size)) {
        const QStringList parts = parser.value(size).split(QLatin1Char('x'));
        if (parts.size() == 2) window.resize(parts[0].toInt(), parts[1].toInt());
    }
    window.show();

    bool opened = true;
    if (!parser.positionalArguments().isEmpty()) opened = window.openProject(parser.positionalArguments().first());
    else if (parser.isSet(demo)) opened = window.openDemoProject();
    if (opened && parser.isSet(run)) window.selection()->setRun(parser.value(run).toLongLong());
    if (opened && parser.isSet(concept)) window.selection()->setConcept(parser.value(concept).toLongLong());
    if (parser.isSet(view) && !window.showView(parser.value(view))) {
        std::fprintf(stderr, "concept-studio: unknown view '%s' (known: %s)\n", qPrintable(parser.value(view)),
                     qPrintable(window.viewNames().join(QStringLiteral(", "))));
        return 2;
    }

    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        // Let layouts settle and GL views paint a couple of frames before grabbing.
        QTimer::singleShot(1200, &window, [&window, file] {
            const QPixmap pixmap = window.grab();
            const bool ok = !pixmap.isNull() && pixmap.save(file, "PNG");
            if (!ok) std::fprintf(stderr, "concept-studio: %s: cannot save the screenshot\n", qPrintable(file));
            QApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}
