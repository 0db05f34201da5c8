#include "services/theme.h"

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
    // Tableau-10: distinguishable, and known to readers of the CRAFT notebooks' plots.
    static const QColor palette[] = {QColor(78, 121, 167),  QColor(242, 142, 43), QColor(225, 87, 89),
                                     QColor(118, 183, 178), QColor(89, 161, 79),  QColor(237, 201, 72),
                                     QColor(176, 122, 161), QColor(255, 157, 167), QColor(156, 117, 95),
                                     QColor(186, 176, 172)};
    if (index >= 0 && index < 10) return palette[index];
    const double hue = std::fmod(0.618033988749895 * std::max(0, index), 1.0);
    return QColor::fromHsvF(hue, 0.55, 0.85);
}

}  // namespace cs::ui
