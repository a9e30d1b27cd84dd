#include "kernel_capture_source.h"

namespace provscope {

namespace {

class KernelCaptureSource final : public CaptureSource {
public:
    explicit KernelCaptureSource(std::unique_ptr<KernelCapture> capture) : m_capture(std::move(capture)) {}

    Result<void> poll(int timeoutMs, const BatchHandler &handler) override { return m_capture->poll(timeoutMs, handler); }
    Result<void> stop(const BatchHandler &handler) override { return m_capture->stop(handler); }
    CaptureStats stats() const override { return m_capture->stats(); }
    std::string configJson() const override { return m_capture->configJson(); }

private:
    std::unique_ptr<KernelCapture> m_capture;
};

} // namespace

SourceFactory kernelCaptureSourceFactory(const KernelCaptureOptions &options)
{
    return [options](uint32_t clientTgid) -> Result<std::unique_ptr<CaptureSource>> {
        KernelCaptureOptions withClient = options;
        withClient.excludeClientTgid = clientTgid;
        auto capture = KernelCapture::start(withClient);
        if (!capture)
            return makeError(capture.error());
        return std::unique_ptr<CaptureSource>(std::make_unique<KernelCaptureSource>(std::move(capture).value()));
    };
}

} // namespace provscope
