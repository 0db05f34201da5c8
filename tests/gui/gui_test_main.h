#pragma once
// The one main() of the GUI test programs: end a test file with CS_GUI_TEST_MAIN(TestClass).
#include <QApplication>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace cs::test {

// What every GUI test program sets up before its test object, in this order: private settings
// and data folders (the user's recent projects and theme stay out of the tests, and the tests'
// out of the user's), the OpenGL surface format VTK needs (it must precede QApplication), the
// application with fixed names for QSettings, and the light theme.
class GuiTestApplication {
public:
    GuiTestApplication(int& argc, char** argv);
    ~GuiTestApplication();

private:
    QTemporaryDir home_;
    std::unique_ptr<QApplication> application_;
};

}  // namespace cs::test

#define CS_GUI_TEST_MAIN(TestClass)                               \
    int main(int argc, char** argv) {                             \
        cs::test::GuiTestApplication application(argc, argv);     \
        TestClass test;                                           \
        return QTest::qExec(&test, argc, argv);                   \
    }
