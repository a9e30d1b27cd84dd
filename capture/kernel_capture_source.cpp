#include "kernel_capture_source.h"

namespace provscope {

namespace {

class KernelCaptureSource final : public CaptureSource {
public:
    KernelCaptureSource(std::unique_ptr<KernelCapture> capture, std::unique_ptr<PcapCapture> network)
        : m_capture(std::move(capture)), m_network(std::move(network)) {}

    Result<void> begin(int64_t bootToEpochNs) override
    {
        return m_network ? m_network->start(bootToEpochNs) : Result<void>{};
    }

    Result<void> poll(int timeoutMs, const BatchHandler &handler) override
    {
        auto polled = m_capture->poll(timeoutMs, handler);
        if (m_network) {
            CaptureBatch flows;
            m_network->drain(flows);
            if (!flows.empty())
                handler(std::move(flows));
        }
        return polled;
    }

    Result<void> stop(const BatchHandler &handler) override
    {
        auto stopped = m_capture->stop(handler);
        if (m_network) {
            CaptureBatch last;
            auto networkStopped = m_network->stop(last);
            if (!last.empty())
                handler(std::move(last));
            if (!networkStopped) // said even when the eBPF side failed too
                return makeError((stopped ? std::string() : stopped.error() + "; ") + "network capture: "
                                 + networkStopped.error());
        }
        return stopped;
    }

    CaptureStats stats() const override { return m_capture->stats(); }

    std::string configJson() const override
    {
        return withPcapConfig(m_capture->configJson(),
                              m_network ? m_network->configJson() : pcapDisabledConfigJson("--no-pcap"));
    }

private:
    std::unique_ptr<KernelCapture> m_capture;
    std::unique_ptr<PcapCapture> m_network;
};

} // namespace

SourceFactory kernelCaptureSourceFactory(const KernelCaptureOptions &options, const std::optional<PcapCaptureOptions> &pcap)
{
    return [options, pcap](uint32_t clientTgid) -> Result<std::unique_ptr<CaptureSource>> {
        // The network first: a bad filter or interface is said before the programs load.
        std::unique_ptr<PcapCapture> network;
        if (pcap) {
            auto opened = PcapCapture::open(*pcap);
            if (!opened)
                return makeError(opened.error());
            network = std::move(opened).value();
        }
        KernelCaptureOptions withClient = options;
        withClient.excludeClientTgid = clientTgid;
        auto capture = KernelCapture::start(withClient);
        if (!capture)
            return makeError(capture.error());
        return std::unique_ptr<CaptureSource>(
            std::make_unique<KernelCaptureSource>(std::move(capture).value(), std::move(network)));
    };
}

} // namespace provscope
