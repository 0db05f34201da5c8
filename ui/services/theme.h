#pragma once
// Light and dark themes: Qt's Fusion style with our palettes, so the studio looks the same on
// every desktop and the dark theme reaches every widget (including Qt Charts and VTK views,
// which ask themeColors() for their backgrounds).
#include <QColor>
#include <QString>

class QApplication;

namespace cs::ui {

enum class Theme { Light, Dark };

Theme themeFromName(const QString& name);  // "dark" -> Dark, anything else -> Light
QString themeName(Theme theme);
void applyTheme(Theme theme);
Theme currentTheme();

struct ThemeColors {
    QColor viewBackground;  // VTK and image canvases
    QColor text;
    QColor outline;         // polygon and card borders
    QColor selection;
};
ThemeColors themeColors();

// Colour of concept `index` (stable across views): a qualitative palette, then golden-angle hues.
QColor conceptColor(int index);

}  // namespace cs::ui
