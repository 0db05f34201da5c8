#pragma once
// VtkViewWidget: a QOpenGLWidget that hosts a VTK scene in Qt 6 (docs/architecture.md).
// Debian's VTK 9.1 ships its Qt glue for Qt 5 only, so this is our own bridge: VTK renders
// into its own framebuffer inside Qt's GL context (vtkGenericOpenGLRenderWindow) and the
// result is blitted into the widget's framebuffer in paintGL. Mouse, wheel and key events
// are forwarded to a vtkGenericRenderWindowInteractor; picking is offered on widget points.
//
// Call VtkViewWidget::setDefaultSurfaceFormat() before constructing the QApplication.
#include <QOpenGLWidget>
#include <QPointF>
#include <vtkSmartPointer.h>
#include <vtkType.h>

class QTimer;
class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkInteractorObserver;
class vtkObject;
class vtkProp;
class vtkRenderer;

namespace cs::ui {

struct VtkPick {
    bool hit = false;
    vtkProp* prop = nullptr;   // the picked actor
    vtkIdType cellId = -1;     // cell of the actor's data set under the point
    double world[3] = {0, 0, 0};
};

class VtkViewWidget : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkViewWidget(QWidget* parent = nullptr);
    ~VtkViewWidget() override;

    // OpenGL 3.2 core, depth 24, stencil 8: what VTK's OpenGL2 backend needs.
    // Must run before QApplication exists; also sets AA_ShareOpenGLContexts.
    static void setDefaultSurfaceFormat();

    vtkGenericOpenGLRenderWindow* renderWindow() const;
    vtkRenderer* renderer() const;
    vtkGenericRenderWindowInteractor* interactor() const;
    void setInteractorStyle(vtkInteractorObserver* style);

    // Picks the cell under a widget point (logical pixels, Qt's y-down convention).
    VtkPick pick(const QPoint& widgetPoint);
    // World coordinates (z = 0 plane of a parallel projection) of a widget point.
    QPointF widgetToWorld(const QPoint& widgetPoint) const;
    // The widget point (logical pixels) where a world point on the z = 0 plane appears.
    QPointF worldToWidget(const QPointF& world) const;

    bool isGLReady() const { return glReady_; }
    int framesRendered() const { return framesRendered_; }

signals:
    // A press and release without a drag in between (so panning does not select).
    void clicked(const QPoint& widgetPoint, Qt::MouseButton button);
    void doubleClicked(const QPoint& widgetPoint);
    // Mouse moved with no button held.
    void hovered(const QPoint& widgetPoint);
    void left();
    void frameRendered();

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;

    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void enterEvent(QEnterEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void onRenderWindowEvent(vtkObject* caller, unsigned long eventId, void* callData);
    void onInteractorEvent(vtkObject* caller, unsigned long eventId, void* callData);
    void setEventPosition(const QPointF& logical, Qt::KeyboardModifiers modifiers, int repeat = 0);
    void releaseGraphics();

    vtkSmartPointer<vtkGenericOpenGLRenderWindow> renderWindow_;
    vtkSmartPointer<vtkRenderer> renderer_;
    vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
    QTimer* interactorTimer_ = nullptr;
    bool glReady_ = false;
    bool inPaint_ = false;
    bool pressed_ = false;
    QPoint pressPoint_;
    bool dragged_ = false;
    int framesRendered_ = 0;
};

}  // namespace cs::ui
