import NIOCore
import Testing

@testable import GRPCWire

@Suite("grpc-timeout and grpc-message coding")
struct GRPCHeaderCodingTests {
    @Test("grpc-timeout values in every unit parse; malformed ones do not")
    func parseTimeout() {
        #expect(GRPCTimeout.parse("1H") == .hours(1))
        #expect(GRPCTimeout.parse("2M") == .minutes(2))
        #expect(GRPCTimeout.parse("3S") == .seconds(3))
        #expect(GRPCTimeout.parse("4m") == .milliseconds(4))
        #expect(GRPCTimeout.parse("5u") == .microseconds(5))
        #expect(GRPCTimeout.parse("99999999n") == .nanoseconds(99_999_999))
        for bad in ["", "S", "10", "10x", "-1S", "123456789S", "1.5S"] {
            #expect(GRPCTimeout.parse(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test("an encoded timeout fits in 8 digits, never asks for less time, and parses back")
    func encodeTimeout() throws {
        for amount: TimeAmount in [.nanoseconds(1), .milliseconds(250), .seconds(5), .seconds(100_000), .hours(30)] {
            let encoded = GRPCTimeout.encode(amount)
            #expect(encoded.count <= 9, "\(encoded)")
            let parsed = try #require(GRPCTimeout.parse(Substring(encoded)))
            #expect(parsed >= amount, "\(amount) -> \(encoded)")
        }
    }

    @Test("grpc-message percent-encodes what is not printable ASCII, and '%', and decodes back")
    func percentEncoding() {
        #expect(GRPCPercentEncoding.encode("etcdserver: key is not provided") == "etcdserver: key is not provided")
        #expect(GRPCPercentEncoding.encode("50% über\n") == "50%25 %C3%BCber%0A")
        for text in ["", "plain", "50% über\n", "日本語", "%%%"] {
            #expect(GRPCPercentEncoding.decode(GRPCPercentEncoding.encode(text)) == text)
        }
        // A lone '%' or bad hex is kept as it is.
        #expect(GRPCPercentEncoding.decode("100%") == "100%")
        #expect(GRPCPercentEncoding.decode("%zz") == "%zz")
    }

    @Test("routing tells an unknown service from an unknown method, as grpc-go does")
    func routing() {
        let router = GRPCRouter([.unary("/etcdserverpb.KV/Put") { (_: EmptyMessage, _: GRPCUnaryResponder<EmptyMessage>) in }])
        #expect(router.route("/etcdserverpb.KV/Put").isSuccess)
        #expect(router.route("/etcdserverpb.KV/Get").failure == GRPCStatus(.unimplemented, "unknown method Get for service etcdserverpb.KV"))
        #expect(router.route("/etcdserverpb.Lease/Put").failure == GRPCStatus(.unimplemented, "unknown service etcdserverpb.Lease"))
        #expect(router.route("nonsense").failure == GRPCStatus(.unimplemented, "malformed method name: \"nonsense\""))
    }
}

import SwiftProtobuf

/// The smallest message, for tests that need a type and no fields.
typealias EmptyMessage = SwiftProtobuf.Google_Protobuf_Empty

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
    var failure: Failure? { if case .failure(let failure) = self { failure } else { nil } }
}
