// HiDPI: the main window and every view at the device pixel ratio the environment asks for
// (ctest runs this twice: plain, and with QT_SCALE_FACTOR=2 expecting ratio 2). Checks that the
// window reports the ratio, that grab() has the physical size (logical × ratio), that the docks
// and the view area are visible and do not overlap, that the widgets each layout places do not
// overlap and buttons get at least their minimum size (no clipped text), and that the VTK canvas
// renders at full resolution, not black, with the whole layout in view.
#include "services/selection_model.h"
#include "app/studio_window.h"
#include "fixture_project.h"
#include "gui_test_main.h"
#include "panels/project_explorer.h"
#include "panels/run_panel.h"
#include "views/hierarchy_view.h"
#include "vtk/vtk_view_widget.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDockWidget>
#include <QLayout>
#include <QScreen>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace cs::ui;

namespace {

QRect inWindow(const QWidget* w) { return QRect(w->mapTo(w->window(), QPoint(0, 0)), w->size()); }

bool overlaps(const QRect& a, const QRect& b) {
    const QRect i = a.intersected(b);
    return i.width() > 1 && i.height() > 1;  // touching borders are fine
}

// Widgets a layout places side by side must not overlap; reports the first pair that does.
QString layoutProblem(const QWidget* root) {
    for (const QLayout* layout : root->findChildren<QLayout*>()) {
        if (!layout->parentWidget() || !layout->parentWidget()->isVisible()) continue;
        if (layout->inherits("QStackedLayout")) continue;  // stacks its pages on purpose
        std::vector<const QWidget*> placed;
        for (int i = 0; i < layout->count(); ++i)
            if (const QWidget* w = layout->itemAt(i)->widget(); w && w->isVisible() && !w->isWindow()) placed.push_back(w);
        for (size_t a = 0; a < placed.size(); ++a)
            for (size_t b = a + 1; b < placed.size(); ++b)
                if (overlaps(placed[a]->geometry(), placed[b]->geometry()))
                    return QStringLiteral("%1 and %2 overlap in %3")
                        .arg(QString::fromLatin1(placed[a]->metaObject()->className()), QString::fromLatin1(placed[b]->metaObject()->className()),
                             layout->parentWidget()->objectName());
    }
    for (const QAbstractButton* button : root->findChildren<QAbstractButton*>()) {
        if (!button->isVisible() || button->text().isEmpty()) continue;
        const QSize hint = button->minimumSizeHint();
        if (button->width() + 1 < hint.width() || button->height() + 1 < hint.height())
            return QStringLiteral("button '%1' is %2x%3, below its minimum %4x%5")
                .arg(button->text())
                .arg(button->width())
                .arg(button->height())
                .arg(hint.width())
                .arg(hint.height());
    }
    return {};
}

}  // namespace

class TestHiDpi : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        project_ = dir_.filePath(QStringLiteral("fixture.cstudio"));
        runs_ = cs::test::buildFixtureProject(project_);
        expected_ = qEnvironmentVariableIsSet("CS_EXPECT_DPR") ? qEnvironmentVariable("CS_EXPECT_DPR").toDouble() : 1.0;
    }

    void everyViewRendersAtTheDevicePixelRatio() {
        StudioWindow window;
        const QSize logical(1100, 720);  // X lets a window outgrow the (scaled, 800×500) screen
        window.resize(logical);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project_));
        QCOMPARE(window.devicePixelRatio(), expected_);
        QCOMPARE(window.screen()->devicePixelRatio(), expected_);

        for (const QString& name : window.viewNames()) {
            window.selection()->setRun(name == QStringLiteral("sae") ? runs_.sae : runs_.craft);
            QVERIFY(window.showView(name));
            QTest::qWait(name == QStringLiteral("hierarchy") ? 800 : 150);  // the hierarchy re-lays out for its size
            QWidget* view = window.views()->currentWidget();
            QVERIFY2(view && view->isVisible(), qPrintable(name));

            const QPixmap shot = window.grab();
            QCOMPARE(shot.devicePixelRatio(), expected_);
            QCOMPARE(shot.size(), window.size() * expected_);
            if (name == QStringLiteral("sae") || name == QStringLiteral("hierarchy"))
                shot.save(QStringLiteral(CS_TEST_TMP "/hidpi_%1_x%2.png").arg(name).arg(expected_));

            // The docks and the view area are on screen, inside the window, and apart.
            const QRect windowRect = window.rect();
            const QRect explorer = inWindow(window.explorer()), runPanel = inWindow(window.runPanel()), views = inWindow(window.views());
            for (const QRect& r : {explorer, runPanel, views}) {
                QVERIFY2(r.width() > 50 && r.height() > 50, qPrintable(name));
                QVERIFY2(windowRect.contains(r), qPrintable(name));
            }
            QVERIFY(window.explorer()->isVisible() && window.runPanel()->isVisible());
            QVERIFY2(!overlaps(explorer, views) && !overlaps(runPanel, views) && !overlaps(explorer, runPanel), qPrintable(name));
            const QString problem = layoutProblem(&window);
            QVERIFY2(problem.isEmpty(), qPrintable(name + QStringLiteral(": ") + problem));
        }
    }

    void theVtkCanvasRendersAtFullResolution() {
        StudioWindow window;
        window.resize(1100, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project_));
        window.selection()->setRun(runs_.craft);
        QVERIFY(window.showView(QStringLiteral("hierarchy")));
        auto* hierarchy = window.findChild<HierarchyView*>();
        QVERIFY(hierarchy);
        VtkViewWidget* canvas = hierarchy->canvas();
        QTRY_VERIFY(canvas->framesRendered() > 0);
        QTest::qWait(800);  // the debounced re-layout for the canvas's final size
        const QImage frame = canvas->grabFramebuffer();
        frame.save(QStringLiteral(CS_TEST_TMP "/hidpi_canvas_x%1.png").arg(expected_));
        // The framebuffer has physical pixels: logical size × ratio (±1 for rounding).
        QVERIFY2(std::abs(frame.width() - std::lround(canvas->width() * expected_)) <= 1 &&
                     std::abs(frame.height() - std::lround(canvas->height() * expected_)) <= 1,
                 qPrintable(QStringLiteral("%1x%2 for %3x%4 at %5").arg(frame.width()).arg(frame.height()).arg(canvas->width()).arg(canvas->height()).arg(expected_)));
        int lit = 0;
        for (int y = 0; y < frame.height(); y += 8)
            for (int x = 0; x < frame.width(); x += 8) lit += qGray(frame.pixel(x, y)) > 40 ? 1 : 0;
        QVERIFY2(lit > 50, qPrintable(QString::number(lit)));
        // The whole layout fits the canvas with a margin (camera fit at any ratio): the frame's
        // border is background all round. A scene built or zoomed for the wrong pixel size runs
        // its polygons into the edges.
        const QRgb background = frame.pixel(1, 1);
        auto same = [background](QRgb c) {
            return std::abs(qRed(c) - qRed(background)) + std::abs(qGreen(c) - qGreen(background)) + std::abs(qBlue(c) - qBlue(background)) < 12;
        };
        for (int x = 0; x < frame.width(); x += 4) {
            QVERIFY2(same(frame.pixel(x, 1)) && same(frame.pixel(x, frame.height() - 2)), qPrintable(QStringLiteral("column %1").arg(x)));
        }
        for (int y = 0; y < frame.height(); y += 4) {
            QVERIFY2(same(frame.pixel(1, y)) && same(frame.pixel(frame.width() - 2, y)), qPrintable(QStringLiteral("row %1").arg(y)));
        }
    }

private:
    QTemporaryDir dir_;
    QString project_;
    cs::test::FixtureRuns runs_;
    double expected_ = 1.0;
};

CS_GUI_TEST_MAIN(TestHiDpi)

#include "test_hidpi.moc"
