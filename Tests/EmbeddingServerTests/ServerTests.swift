import Testing

/// The loopback tests, one at a time: each starts its own server, and while two servers'
/// model threads compute at once the kernels' float results may differ in the last bit, which
/// the exact-parity tests would catch. A hang fails its test after a minute instead of
/// holding up CI.
@Suite("Server over loopback", .serialized, .timeLimit(.minutes(1)))
struct ServerTests {}
