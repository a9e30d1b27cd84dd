// provscope: the workstation. Wiring only; everything lives in provscope_ui.
#include "helper_launcher.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstring>

namespace {
bool wantsOnlyHelp(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"-h", "--help", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], flag) == 0)
                return true;
    }
    return false;
}
} // namespace

int main(int argc, char **argv)
{
    // Before QApplication and before any thread: under sudo this starts the helper as
    // root and then drops to the invoking user, so the GUI never runs privileged.
    provscope::HelperLaunch launch;
    if (!wantsOnlyHelp(argc, argv)) {
        launch = provscope::prepareHelperBeforeQt(provscope::defaultCaptureBinary());
        if (!launch.error.empty()) {
            std::fprintf(stderr, "provscope: %s\n", launch.error.c_str());
            return 1;
        }
    }

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("provscope"));
    QApplication::setApplicationName(QStringLiteral("provscope"));
    QApplication::setApplicationVersion(QStringLiteral(PROVSCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/provscope/icons/provscope.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("provscope forensic workstation"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption capture(QStringLiteral("capture"),
                                     QStringLiteral("Start recording a live capture immediately."));
    parser.addOption(capture);
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("A .provscope session to open."),
                                 QStringLiteral("[FILE.provscope]"));
    parser.process(app);

    provscope::MainWindow window;
    window.setHelperLaunch(launch);
    window.show();
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty())
        window.openSession(files.first());
    if (parser.isSet(capture))
        QTimer::singleShot(0, &window, &provscope::MainWindow::startCapture);
    return app.exec();
}
