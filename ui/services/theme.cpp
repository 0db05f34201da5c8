#include "services/theme.h"

#include "results/concept_palette.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

#include <cmath>

namespace cs::ui {

namespace {
Theme gTheme = Theme::Light;

QPalette darkPalette() {
    QPalette p;
    const QColor window(45, 47, 51), base(30, 31, 34), text(225, 226, 228), disabled(120, 122, 126);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(38, 40, 43));
    p.setColor(QPalette::ToolTipBase, QColor(60, 62, 66));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 90, 90));
    p.setColor(QPalette::Link, QColor(100, 170, 255));
    p.setColor(QPalette::Highlight, QColor(52, 120, 200));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Disabled, QPalette::Text, disabled);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
    return p;
}
}  // namespace

Theme themeFromName(const QString& name) {
    return name.compare(QLatin1String("dark"), Qt::CaseInsensitive) == 0 ? Theme::Dark : Theme::Light;
}

QString themeName(Theme theme) { return theme == Theme::Dark ? QStringLiteral("dark") : QStringLiteral("light"); }

void applyTheme(Theme theme) {
    gTheme = theme;
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(theme == Theme::Dark ? darkPalette() : QApplication::style()->standardPalette());
}

Theme currentTheme() { return gTheme; }

ThemeColors themeColors() {
    if (gTheme == Theme::Dark)
        return {QColor(24, 25, 28), QColor(230, 230, 232), QColor(20, 20, 20), QColor(255, 200, 40)};
    return {QColor(250, 250, 250), QColor(20, 20, 24), QColor(255, 255, 255), QColor(230, 120, 0)};
}

QColor conceptColor(int index) {
    // One palette for the views and the report (results/concept_palette.h).
    const results::Rgb rgb = results::conceptColor(index);
    return QColor(rgb.r, rgb.g, rgb.b);
}

}  // namespace cs::ui
