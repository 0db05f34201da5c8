#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QSurfaceFormat>
#include <QTimer>
#include <QWheelEvent>

#include <vtkCellPicker.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorObserver.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

namespace cs::ui {

void VtkViewWidget::setDefaultSurfaceFormat() {
    QSurfaceFormat format;
    format.setRenderableType(QSurfaceFormat::OpenGL);
    format.setVersion(3, 2);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setDepthBufferSize(24);
    format.setStencilBufferSize(8);
    format.setAlphaBufferSize(8);
    format.setSamples(0);  // VTK renders into its own framebuffer; Qt's must be blit-compatible
    format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
    QSurfaceFormat::setDefaultFormat(format);
    // Several VTK views share textures only if their contexts share.
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
}

VtkViewWidget::VtkViewWidget(QWidget* parent) : QOpenGLWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);  // hover tooltips need moves without a button held
    setMinimumSize(64, 64);

    renderWindow_ = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
    renderWindow_->SetMultiSamples(0);
    // We blit VTK's display framebuffer into Qt's ourselves, after Render() (see paintGL).
    renderWindow_->SetFrameBlitModeToNoBlit();
    renderer_ = vtkSmartPointer<vtkRenderer>::New();
    renderWindow_->AddRenderer(renderer_);

    interactor_ = vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
    // The interactor must not render by itself: it asks for a repaint (RenderEvent) instead,
    // so rendering only happens in paintGL with Qt's context current.
    interactor_->EnableRenderOff();
    interactor_->SetRenderWindow(renderWindow_);
    auto style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
    interactor_->SetInteractorStyle(style);

    for (unsigned long id : {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent,
                             vtkCommand::WindowFrameEvent, vtkCommand::WindowSupportsOpenGLEvent,
                             vtkCommand::WindowIsDirectEvent}) {
        renderWindow_->AddObserver(id, this, &VtkViewWidget::onRenderWindowEvent);
    }
    for (unsigned long id : {vtkCommand::RenderEvent, vtkCommand::CreateTimerEvent,
                             vtkCommand::DestroyTimerEvent}) {
        interactor_->AddObserver(id, this, &VtkViewWidget::onInteractorEvent);
    }

    interactorTimer_ = new QTimer(this);
    interactorTimer_->setInterval(10);
    connect(interactorTimer_, &QTimer::timeout, this, [this] { interactor_->TimerEvent(); });
}

VtkViewWidget::~VtkViewWidget() {
    releaseGraphics();
    renderWindow_->RemoveAllObservers();
    interactor_->RemoveAllObservers();
}

void VtkViewWidget::releaseGraphics() {
    if (!glReady_) return;
    glReady_ = false;
    if (context()) {
        makeCurrent();
        renderWindow_->Finalize();  // frees VTK's GL objects while their context is current
        doneCurrent();
    }
    renderWindow_->SetReadyForRendering(false);
}

vtkGenericOpenGLRenderWindow* VtkViewWidget::renderWindow() const { return renderWindow_; }
vtkRenderer* VtkViewWidget::renderer() const { return renderer_; }
vtkGenericRenderWindowInteractor* VtkViewWidget::interactor() const { return interactor_; }

void VtkViewWidget::setInteractorStyle(vtkInteractorObserver* style) {
    interactor_->SetInteractorStyle(style);
}

void VtkViewWidget::initializeGL() {
    renderWindow_->SetOwnContext(0);
    renderWindow_->OpenGLInitContext();
    renderWindow_->SetReadyForRendering(true);
    const qreal ratio = devicePixelRatioF();
    renderWindow_->SetSize(std::max(1, int(width() * ratio)), std::max(1, int(height() * ratio)));
    interactor_->Initialize();
    glReady_ = true;
    // A widget moved to another top-level window gets a new context: free VTK's objects first.
    connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &VtkViewWidget::releaseGraphics,
            Qt::DirectConnection);
}

void VtkViewWidget::resizeGL(int w, int h) {
    const qreal ratio = devicePixelRatioF();
    const int pw = std::max(1, int(w * ratio)), ph = std::max(1, int(h * ratio));
    renderWindow_->SetSize(pw, ph);
    interactor_->UpdateSize(pw, ph);
}

void VtkViewWidget::paintGL() {
    if (!glReady_) return;
    vtkOpenGLState* state = renderWindow_->GetState();
    // Qt changed GL state behind VTK's cache since the last frame: re-read it.
    state->Reset();
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS; VTK's passes expect LEQUAL
    inPaint_ = true;
    renderWindow_->Render();
    inPaint_ = false;
    state->Pop();

    int* size = renderWindow_->GetSize();
    state->PushDrawFramebufferBinding();
    state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
    renderWindow_->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, size[0], size[1],
                                          GL_COLOR_BUFFER_BIT, GL_NEAREST);
    // VTK may leave alpha < 1; Qt composes the widget with its alpha, so force it opaque.
    state->vtkglColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
    state->vtkglClearColor(0, 0, 0, 1);
    state->vtkglClear(GL_COLOR_BUFFER_BIT);
    state->vtkglColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    state->PopDrawFramebufferBinding();
    ++framesRendered_;
    emit frameRendered();
}

void VtkViewWidget::onRenderWindowEvent(vtkObject*, unsigned long eventId, void* callData) {
    switch (eventId) {
        case vtkCommand::WindowMakeCurrentEvent:
            // Not QOpenGLWidget::makeCurrent(): that rebinds Qt's FBO behind VTK's state cache.
            if (context()) context()->makeCurrent(context()->surface());
            break;
        case vtkCommand::WindowIsCurrentEvent:
            *static_cast<bool*>(callData) =
                context() != nullptr && QOpenGLContext::currentContext() == context();
            break;
        case vtkCommand::WindowFrameEvent:
            // A render started outside paintGL (e.g. by a filter): show it. Inside paintGL
            // this would schedule an endless chain of repaints, hence the check.
            if (!inPaint_) update();
            break;
        case vtkCommand::WindowSupportsOpenGLEvent:
            *static_cast<int*>(callData) = 1;
            break;
        case vtkCommand::WindowIsDirectEvent:
            *static_cast<int*>(callData) = 1;
            break;
        default:
            break;
    }
}

void VtkViewWidget::onInteractorEvent(vtkObject*, unsigned long eventId, void*) {
    switch (eventId) {
        case vtkCommand::RenderEvent: update(); break;
        case vtkCommand::CreateTimerEvent: interactorTimer_->start(); break;
        case vtkCommand::DestroyTimerEvent: interactorTimer_->stop(); break;
        default: break;
    }
}

void VtkViewWidget::setEventPosition(const QPointF& logical, Qt::KeyboardModifiers modifiers, int repeat) {
    const qreal ratio = devicePixelRatioF();
    const int* size = renderWindow_->GetSize();
    const int x = int(logical.x() * ratio);
    const int y = size[1] - int(logical.y() * ratio) - 1;  // VTK's origin is bottom-left
    interactor_->SetEventInformation(x, y, (modifiers & Qt::ControlModifier) ? 1 : 0,
                                     (modifiers & Qt::ShiftModifier) ? 1 : 0, 0, repeat);
    interactor_->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
}

void VtkViewWidget::mousePressEvent(QMouseEvent* event) {
    setEventPosition(event->position(), event->modifiers());
    pressed_ = true;
    dragged_ = false;
    pressPoint_ = event->position().toPoint();
    switch (event->button()) {
        case Qt::LeftButton: interactor_->InvokeEvent(vtkCommand::LeftButtonPressEvent); break;
        case Qt::MiddleButton: interactor_->InvokeEvent(vtkCommand::MiddleButtonPressEvent); break;
        case Qt::RightButton: interactor_->InvokeEvent(vtkCommand::RightButtonPressEvent); break;
        default: break;
    }
    event->accept();
}

void VtkViewWidget::mouseReleaseEvent(QMouseEvent* event) {
    setEventPosition(event->position(), event->modifiers());
    switch (event->button()) {
        case Qt::LeftButton: interactor_->InvokeEvent(vtkCommand::LeftButtonReleaseEvent); break;
        case Qt::MiddleButton: interactor_->InvokeEvent(vtkCommand::MiddleButtonReleaseEvent); break;
        case Qt::RightButton: interactor_->InvokeEvent(vtkCommand::RightButtonReleaseEvent); break;
        default: break;
    }
    const bool wasClick = pressed_ && !dragged_;
    pressed_ = false;
    if (wasClick) emit clicked(event->position().toPoint(), event->button());
    event->accept();
}

void VtkViewWidget::mouseMoveEvent(QMouseEvent* event) {
    setEventPosition(event->position(), event->modifiers());
    interactor_->InvokeEvent(vtkCommand::MouseMoveEvent);
    if (pressed_ && (event->position().toPoint() - pressPoint_).manhattanLength() > 3) dragged_ = true;
    if (event->buttons() == Qt::NoButton) emit hovered(event->position().toPoint());
    event->accept();
}

void VtkViewWidget::mouseDoubleClickEvent(QMouseEvent* event) {
    setEventPosition(event->position(), event->modifiers(), 1);
    if (event->button() == Qt::LeftButton) {
        interactor_->InvokeEvent(vtkCommand::LeftButtonPressEvent);
        emit doubleClicked(event->position().toPoint());
    }
    pressed_ = false;  // the release that follows must not count as a single click
    event->accept();
}

void VtkViewWidget::wheelEvent(QWheelEvent* event) {
    setEventPosition(event->position(), event->modifiers());
    const int delta = event->angleDelta().y();
    if (delta > 0) interactor_->InvokeEvent(vtkCommand::MouseWheelForwardEvent);
    else if (delta < 0) interactor_->InvokeEvent(vtkCommand::MouseWheelBackwardEvent);
    event->accept();
}

void VtkViewWidget::keyPressEvent(QKeyEvent* event) {
    const QByteArray text = event->text().toLatin1();
    const char key = text.isEmpty() ? 0 : text.at(0);
    interactor_->SetKeyCode(key);
    interactor_->SetRepeatCount(event->isAutoRepeat() ? 1 : 0);
    interactor_->InvokeEvent(vtkCommand::KeyPressEvent);
    // Only printable keys go on to VTK's CharEvent ('r' resets the camera, etc.); 'q'/'e'
    // would ask the interactor to exit, which a docked view must never do.
    if (key != 0 && key != 'q' && key != 'e' && key != 'Q' && key != 'E')
        interactor_->InvokeEvent(vtkCommand::CharEvent);
    QOpenGLWidget::keyPressEvent(event);
}

void VtkViewWidget::keyReleaseEvent(QKeyEvent* event) {
    const QByteArray text = event->text().toLatin1();
    interactor_->SetKeyCode(text.isEmpty() ? 0 : text.at(0));
    interactor_->InvokeEvent(vtkCommand::KeyReleaseEvent);
    QOpenGLWidget::keyReleaseEvent(event);
}

void VtkViewWidget::enterEvent(QEnterEvent* event) {
    setEventPosition(event->position(), event->modifiers());
    interactor_->InvokeEvent(vtkCommand::EnterEvent);
    QOpenGLWidget::enterEvent(event);
}

void VtkViewWidget::leaveEvent(QEvent* event) {
    interactor_->InvokeEvent(vtkCommand::LeaveEvent);
    emit left();
    QOpenGLWidget::leaveEvent(event);
}

VtkPick VtkViewWidget::pick(const QPoint& widgetPoint) {
    VtkPick result;
    const qreal ratio = devicePixelRatioF();
    const int* size = renderWindow_->GetSize();
    auto picker = vtkSmartPointer<vtkCellPicker>::New();
    picker->SetTolerance(0.0005);
    const double x = widgetPoint.x() * ratio, y = size[1] - widgetPoint.y() * ratio - 1;
    if (picker->Pick(x, y, 0.0, renderer_) && picker->GetCellId() >= 0) {
        result.hit = true;
        result.prop = picker->GetViewProp();
        result.cellId = picker->GetCellId();
        picker->GetPickPosition(result.world);
    }
    return result;
}

QPointF VtkViewWidget::widgetToWorld(const QPoint& widgetPoint) const {
    const qreal ratio = devicePixelRatioF();
    const int* size = renderWindow_->GetSize();
    renderer_->SetDisplayPoint(widgetPoint.x() * ratio, size[1] - widgetPoint.y() * ratio - 1, 0.0);
    renderer_->DisplayToWorld();
    double world[4];
    renderer_->GetWorldPoint(world);
    if (world[3] != 0.0) {
        for (int i = 0; i < 3; ++i) world[i] /= world[3];
    }
    return {world[0], world[1]};
}

QPointF VtkViewWidget::worldToWidget(const QPointF& world) const {
    const qreal ratio = devicePixelRatioF();
    const int* size = renderWindow_->GetSize();
    renderer_->SetWorldPoint(world.x(), world.y(), 0.0, 1.0);
    renderer_->WorldToDisplay();
    double display[3];
    renderer_->GetDisplayPoint(display);
    return {display[0] / ratio, (size[1] - 1 - display[1]) / ratio};
}

}  // namespace cs::ui
