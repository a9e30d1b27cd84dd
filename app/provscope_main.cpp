// provscope: the workstation. Wiring only; everything lives in provscope_ui.
#include "helper_launcher.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_signalPipe[2] = {-1, -1};

void onTerminate(int)
{
    const char byte = 1;
    [[maybe_unused]] ssize_t ignored = ::write(g_signalPipe[1], &byte, 1);
}

// SIGINT/SIGTERM close the window the normal way, so a recording is finished.
void closeOnTerminate(QWidget *window)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, window);
    QObject::connect(notifier, &QSocketNotifier::activated, window, [window] {
        char byte;
        [[maybe_unused]] ssize_t ignored = ::read(g_signalPipe[0], &byte, 1);
        window->close();
    });
    struct sigaction action {};
    action.sa_handler = onTerminate;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

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
    closeOnTerminate(&window);
    window.show();
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty())
        window.openSessionAtOverview(files.first());
    if (parser.isSet(capture))
        QTimer::singleShot(0, &window, &provscope::MainWindow::startCapture);
    return app.exec();
}
