#pragma once
// PanZoomStyle: 2D navigation for flat scenes (hierarchy maps, images): left or middle drag
// pans, the wheel zooms towards the camera's focus, 'r' resets. No rotation, so a 2D map
// never tilts out of its plane.
#include <vtkInteractorStyleTrackballCamera.h>

namespace cs::ui {

class PanZoomStyle : public vtkInteractorStyleTrackballCamera {
public:
    static PanZoomStyle* New();
    vtkTypeMacro(PanZoomStyle, vtkInteractorStyleTrackballCamera);

    void OnLeftButtonDown() override;
    void OnLeftButtonUp() override;
    void OnRightButtonDown() override {}  // trackball would dolly; keep right-click free
    void OnRightButtonUp() override {}

protected:
    PanZoomStyle() = default;
};

}  // namespace cs::ui
