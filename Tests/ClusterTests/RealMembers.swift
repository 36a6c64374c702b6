import Testing

/// The suites that run real members. One at a time: each starts several processes, and on a
/// 2-core machine running them side by side starves elections and times out clients.
@Suite("Real concord members", .serialized)
enum RealMembers {}
