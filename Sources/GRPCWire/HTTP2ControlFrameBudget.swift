import NIOCore

/// How many control frames a peer may send per window (``GRPCLimits/maxControlFramesPerWindow``
/// per ``GRPCLimits/controlFrameWindow``): frames that cost us work and carry none of the
/// peer's data. A flood ends the connection with GOAWAY(ENHANCE_YOUR_CALM), as swift-nio-http2
/// and grpc-go answer one.
struct HTTP2ControlFrameBudget {
    let limit: Int
    let window: TimeAmount
    private var count = 0
    private var windowStart = NIODeadline.uptimeNanoseconds(0)

    init(limit: Int, window: TimeAmount) {
        self.limit = limit
        self.window = window
    }

    /// Takes one frame; false once the window's budget is spent.
    mutating func take(now: NIODeadline = .now()) -> Bool {
        if now - self.windowStart >= self.window {
            self.windowStart = now
            self.count = 0
        }
        self.count += 1
        return self.count <= self.limit
    }
}
