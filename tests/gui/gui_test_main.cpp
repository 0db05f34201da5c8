#include "gui_test_main.h"

#include "services/theme.h"
#include "vtk/vtk_view_widget.h"

namespace cs::test {

GuiTestApplication::GuiTestApplication(int& argc, char** argv) {
    qputenv("XDG_CONFIG_HOME", home_.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home_.filePath(QStringLiteral("data")).toUtf8());
    ui::VtkViewWidget::setDefaultSurfaceFormat();
    application_ = std::make_unique<QApplication>(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ConceptStudioTest"));
    QApplication::setApplicationName(QStringLiteral("concept-studio-test"));
    ui::applyTheme(ui::Theme::Light);
}

GuiTestApplication::~GuiTestApplication() = default;

}  // namespace cs::test
