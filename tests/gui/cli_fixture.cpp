#include "cli_fixture.h"

#include <QByteArray>
#include <QFile>
#include <QProcess>

#include <algorithm>
#include <cmath>

namespace cs::testing {

namespace {
void putBigEndian(QByteArray& out, quint32 v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.append(char((v >> shift) & 0xff));
}
}  // namespace

bool writeTinyIdx(const QString& imagesPath, const QString& labelsPath, int n) {
    QByteArray img, lab;
    putBigEndian(img, 0x00000803);
    putBigEndian(img, quint32(n));
    putBigEndian(img, 32);
    putBigEndian(img, 32);
    putBigEndian(lab, 0x00000801);
    putBigEndian(lab, quint32(n));
    for (int i = 0; i < n; ++i) {
        for (int y = 0; y < 32; ++y)
            for (int x = 0; x < 32; ++x) {
                const double v = 0.5 + 0.5 * std::sin(0.3 * (i + 1) * x + 0.2 * y * (i % 4 + 1)) * std::cos(0.1 * x * y / (i + 1));
                img.append(char(quint8(std::clamp(v * 255.0, 0.0, 255.0))));
            }
        lab.append(char(i % 2));
    }
    QFile images(imagesPath), labels(labelsPath);
    return images.open(QIODevice::WriteOnly) && images.write(img) == img.size() && labels.open(QIODevice::WriteOnly) &&
           labels.write(lab) == lab.size();
}

QString exportTinySplitModel(const QString& path) {
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(CS_SOURCE_DIR "/tests/core/craft/export_split_model.py"), path,
                                                      QStringLiteral("1"), QStringLiteral("32"), QStringLiteral("2"), QStringLiteral("0")});
    if (!python.waitForFinished(120000)) return QStringLiteral("the model export did not finish in 120 s");
    if (python.exitCode() != 0) return QString::fromUtf8(python.readAllStandardError());
    return {};
}

}  // namespace cs::testing
