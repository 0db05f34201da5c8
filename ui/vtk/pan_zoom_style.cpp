#include "vtk/pan_zoom_style.h"

#include <vtkCallbackCommand.h>
#include <vtkObjectFactory.h>
#include <vtkRenderWindowInteractor.h>

namespace cs::ui {

vtkStandardNewMacro(PanZoomStyle);

void PanZoomStyle::OnLeftButtonDown() {
    const int* pos = this->Interactor->GetEventPosition();
    this->FindPokedRenderer(pos[0], pos[1]);
    if (!this->CurrentRenderer) return;
    this->GrabFocus(this->EventCallbackCommand);
    this->StartPan();
}

void PanZoomStyle::OnLeftButtonUp() {
    if (this->State == VTKIS_PAN) this->EndPan();
    if (this->Interactor) this->ReleaseFocus();
}

}  // namespace cs::ui
