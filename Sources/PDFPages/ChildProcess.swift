import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs one program as a child process and collects what it writes, without ever letting it
/// outlive its limits or become a zombie.
///
/// PDF parsers are large C++ programs fed by strangers; running them out of process means a
/// crash or a hang costs one child, which is killed, never the server. The program runs with
/// no shell (arguments go to `execve` as they are), stdin from /dev/null, no inherited file
/// descriptors, a minimal environment, in a process group of its own (so a timeout kills
/// whatever it started too) and, when a memory limit is given, under `prlimit` with RLIMIT_AS.
///
/// Calls block the calling thread until the child is reaped; run them off any event loop.
struct ChildProcess {
    struct Limits: Sendable {
        /// Wall-clock time from spawn to exit; the process group is killed on expiry.
        var timeLimit: Duration
        /// More bytes than this on stdout kill the child: output is refused, not truncated.
        var maxStdoutBytes: Int
        /// RLIMIT_AS for the child, or nil for none (then `prlimit` is not needed).
        var memoryLimitBytes: Int?
        /// Capacity reserved for stdout up front, when the caller knows what to expect.
        var expectedStdoutBytes: Int = 0
    }

    /// How the child ended.
    enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signaled(let signal): return "signal \(signal) (\(Self.signalName(signal)))"
            }
        }

        static func signalName(_ signal: Int32) -> String {
            switch signal {
            case SIGABRT: return "SIGABRT"
            case SIGSEGV: return "SIGSEGV"
            case SIGBUS: return "SIGBUS"
            case SIGKILL: return "SIGKILL"
            case SIGXCPU: return "SIGXCPU, CPU time limit"
            case SIGFPE: return "SIGFPE"
            case SIGILL: return "SIGILL"
            default: return String(cString: strsignal(signal))
            }
        }
    }

    /// What a child that ran to its end left behind.
    struct Output: Sendable {
        var termination: Termination
        var stdout: [UInt8]
        /// The end of what it wrote to stderr (at most `stderrTailBytes`).
        var stderr: String

        /// The last non-empty line of stderr: poppler's final word on why it stopped.
        var lastStderrLine: String? {
            stderr.split(whereSeparator: \.isNewline).last.map {
                String($0).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    enum Failure: Error, Sendable, Equatable {
        /// `posix_spawn` (or the pipes before it) failed with this errno.
        case spawnFailed(errno: Int32)
        /// A memory limit was asked for, but `prlimit` (util-linux) is not installed.
        case prlimitMissing
        /// Still running at the deadline: the process group was killed, the child reaped.
        case timedOut(stderr: String)
        /// Wrote more than `maxStdoutBytes`: the process group was killed, the child reaped.
        case stdoutTooLarge(stderr: String)
    }

    /// How much of stderr is kept: enough for poppler's last few messages.
    static let stderrTailBytes = 8 * 1024

    /// Runs `executable` (an absolute path) with `arguments` under `limits`, with `environment`
    /// as its whole environment.
    static func run(
        _ executable: String, _ arguments: [String], limits: Limits,
        environment: [String: String] = ChildProcess.minimalEnvironment
    ) throws(Failure) -> Output {
        let deadline = ContinuousClock.now + limits.timeLimit
        var argv = [executable] + arguments
        if let memory = limits.memoryLimitBytes {
            argv = ["--as=\(memory)", "--core=0", "--cpu=\(cpuSeconds(limits.timeLimit))", "--"] + argv
            guard let prlimit = prlimitPath else { throw .prlimitMissing }
            argv.insert(prlimit, at: 0)
        }
        var child = try Spawned(argv: argv, environment: environment)
        defer { child.killAndReap() }

        var stdout: [UInt8] = []
        stdout.reserveCapacity(min(limits.expectedStdoutBytes, limits.maxStdoutBytes) + 1)
        var stderr: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)

        while child.stdout >= 0 || child.stderr >= 0 {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timedOut(stderr: tail(stderr)) }
            var fds = [child.stdout, child.stderr].filter { $0 >= 0 }.map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            let ready = poll(&fds, nfds_t(fds.count), milliseconds(remaining))
            if ready < 0 && errno != EINTR { throw .spawnFailed(errno: errno) }
            guard ready > 0 else { continue }
            for entry in fds where entry.revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                let isStdout = entry.fd == child.stdout
                guard count > 0 else {
                    if isStdout { child.closeStdout() } else { child.closeStderr() }
                    continue
                }
                if isStdout {
                    guard stdout.count + count <= limits.maxStdoutBytes else {
                        throw .stdoutTooLarge(stderr: tail(stderr))
                    }
                    stdout.append(contentsOf: chunk[0..<count])
                } else {
                    stderr.append(contentsOf: chunk[0..<count])
                    if stderr.count > 2 * stderrTailBytes { stderr.removeFirst(stderr.count - stderrTailBytes) }
                }
            }
        }
        // Both pipes are closed, but a child may close them and keep running: wait for it
        // under the same deadline.
        guard let termination = child.reap(before: deadline) else { throw .timedOut(stderr: tail(stderr)) }
        return Output(termination: termination, stdout: stdout, stderr: tail(stderr))
    }

    /// The environment children get: no secrets of the server, the C locale (so messages and
    /// numbers are in the format we parse), and what fontconfig needs to find its cache.
    static let minimalEnvironment: [String: String] = {
        var environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
        let inherited = ProcessInfo.processInfo.environment
        for key in ["HOME", "TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "FONTCONFIG_FILE", "FONTCONFIG_PATH"] {
            if let value = inherited[key] { environment[key] = value }
        }
        return environment
    }()

    /// `prlimit` from util-linux (Essential on Debian), which sets the limits in the child
    /// before it executes the program: posix_spawn cannot, and fork in a multithreaded Swift
    /// process is unsafe.
    static let prlimitPath: String? = try? PopplerTools.find("prlimit", in: PopplerTools.systemSearchPath)

    /// RLIMIT_CPU for the child: a backstop that ends it even if this process dies before the
    /// deadline and cannot kill it (it is then reparented, not stopped).
    static func cpuSeconds(_ limit: Duration) -> Int {
        Int(limit.components.seconds) + 2
    }

    /// `duration` as a poll timeout, rounded up so a wait never ends before the deadline.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(1, total))
    }

    static func tail(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.suffix(stderrTailBytes), as: UTF8.self)
    }
}
