// The Qt 6 – VTK bridge renders a real scene in a real window, forwards the wheel to the
// camera, and picks cells. Pixels are read back, so a black or blank widget fails.
#include "gui_test_main.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTest>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

using cs::ui::VtkViewWidget;

namespace {
// A unit square in the z = 0 plane, red, filling the middle of a parallel view.
vtkSmartPointer<vtkActor> makeSquare() {
    auto points = vtkSmartPointer<vtkPoints>::New();
    points->InsertNextPoint(-1, -1, 0);
    points->InsertNextPoint(1, -1, 0);
    points->InsertNextPoint(1, 1, 0);
    points->InsertNextPoint(-1, 1, 0);
    auto polys = vtkSmartPointer<vtkCellArray>::New();
    vtkIdType ids[4] = {0, 1, 2, 3};
    polys->InsertNextCell(4, ids);
    auto data = vtkSmartPointer<vtkPolyData>::New();
    data->SetPoints(points);
    data->SetPolys(polys);
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputData(data);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetColor(1.0, 0.0, 0.0);
    actor->GetProperty()->LightingOff();
    return actor;
}
}  // namespace

class TestVtkView : public QObject {
    Q_OBJECT
private slots:
    void init() {
        view_ = new VtkViewWidget;
        view_->resize(320, 240);
        actor_ = makeSquare();
        view_->renderer()->AddActor(actor_);
        view_->renderer()->SetBackground(0.1, 0.3, 0.6);
        auto* camera = view_->renderer()->GetActiveCamera();
        camera->ParallelProjectionOn();
        camera->SetPosition(0, 0, 10);
        camera->SetFocalPoint(0, 0, 0);
        camera->SetViewUp(0, 1, 0);
        camera->SetParallelScale(2.0);  // half-height 2: the square fills the middle half
        view_->show();
        QVERIFY(QTest::qWaitForWindowExposed(view_));
        QTRY_VERIFY(view_->framesRendered() > 0);
    }
    void cleanup() {
        delete view_;
        view_ = nullptr;
        actor_ = nullptr;
    }

    void rendersSceneNotBlack() {
        const QImage image = view_->grabFramebuffer();
        QVERIFY(!image.isNull());
        image.save(QStringLiteral(CS_TEST_TMP "/vtk_view.png"));  // for a person to look at
        QCOMPARE(image.width(), int(320 * view_->devicePixelRatioF()));
        const QColor centre = image.pixelColor(image.width() / 2, image.height() / 2);
        const QColor corner = image.pixelColor(3, 3);
        // The red square in the middle, the blue background in the corner.
        QVERIFY2(centre.red() > 200 && centre.green() < 40 && centre.blue() < 40,
                 qPrintable(QString("centre %1").arg(centre.name())));
        QVERIFY2(qAbs(corner.red() - 26) < 6 && qAbs(corner.green() - 77) < 6 &&
                     qAbs(corner.blue() - 153) < 6,
                 qPrintable(QString("corner %1").arg(corner.name())));
        QCOMPARE(corner.alpha(), 255);
    }

    void picksTheCellUnderThePoint() {
        const auto hit = view_->pick(QPoint(160, 120));
        QVERIFY(hit.hit);
        QCOMPARE(hit.prop, static_cast<vtkProp*>(actor_.Get()));
        QCOMPARE(hit.cellId, vtkIdType(0));
        QVERIFY(qAbs(hit.world[0]) < 0.1 && qAbs(hit.world[1]) < 0.1);
        QVERIFY(!view_->pick(QPoint(5, 5)).hit);
        // Widget -> world: the right edge of the view is at x = 2 * aspect (parallel scale 2).
        const QPointF world = view_->widgetToWorld(QPoint(319, 120));
        QVERIFY2(qAbs(world.x() - 2.0 * 320 / 240) < 0.05, qPrintable(QString::number(world.x())));
    }

    void wheelZoomsAndRepaints() {
        const double before = view_->renderer()->GetActiveCamera()->GetParallelScale();
        // The square's left edge is at x = 160 - 60 (half-width 1 world unit = 60 px at
        // parallel scale 2); a point 8 px left of it is background before the zoom.
        const qreal ratio = view_->devicePixelRatioF();
        const QPoint probe(int((160 - 60 - 8) * ratio), int(120 * ratio));
        QVERIFY(view_->grabFramebuffer().pixelColor(probe).red() < 60);
        const int frames = view_->framesRendered();
        QWheelEvent wheel(QPointF(160, 120), view_->mapToGlobal(QPointF(160, 120)), QPoint(),
                          QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view_, &wheel);
        const double after = view_->renderer()->GetActiveCamera()->GetParallelScale();
        QVERIFY2(after < before, qPrintable(QString("%1 -> %2").arg(before).arg(after)));
        QTRY_VERIFY(view_->framesRendered() > frames);
        // Zoomed in (VTK's wheel step is 1.21x): the square now covers the probe.
        const QColor probed = view_->grabFramebuffer().pixelColor(probe);
        QVERIFY2(probed.red() > 200, qPrintable(probed.name()));
    }

    void clickWithoutDragEmitsClicked() {
        QSignalSpy clicked(view_, &VtkViewWidget::clicked);
        QTest::mouseClick(view_, Qt::LeftButton, Qt::NoModifier, QPoint(100, 100));
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.at(0).at(0).toPoint(), QPoint(100, 100));
        // A drag rotates/pans instead of clicking.
        QTest::mousePress(view_, Qt::LeftButton, Qt::NoModifier, QPoint(100, 100));
        QMouseEvent move(QEvent::MouseMove, QPointF(160, 140), view_->mapToGlobal(QPointF(160, 140)),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view_, &move);
        QTest::mouseRelease(view_, Qt::LeftButton, Qt::NoModifier, QPoint(160, 140));
        QCOMPARE(clicked.count(), 1);
    }

private:
    VtkViewWidget* view_ = nullptr;
    vtkSmartPointer<vtkActor> actor_;
};

CS_GUI_TEST_MAIN(TestVtkView)

#include "test_vtk_view.moc"
