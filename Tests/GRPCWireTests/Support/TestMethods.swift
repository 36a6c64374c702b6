import EtcdAPI
import GRPCWire

/// Methods that in-process test servers offer.
enum TestMethods {
    /// Bidirectional: echoes each RangeRequest's limit back as a RangeResponse's count, and
    /// finishes OK when the client half-closes.
    static let echo = GRPCServerMethod.bidirectional("/test.Echo/Echo") {
        (stream: GRPCResponseStream<Etcdserverpb_RangeResponse>) -> GRPCRequestObserver<Etcdserverpb_RangeRequest> in
        GRPCRequestObserver(
            onMessage: { request in
                var response = Etcdserverpb_RangeResponse()
                response.count = request.limit
                stream.send(response)
            },
            onEnd: { stream.finish() })
    }
}
