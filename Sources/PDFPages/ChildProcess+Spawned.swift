import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// A started child: its pid (also its process group id) and the read ends of its stdout and
    /// stderr pipes. Whoever holds it must call `reap(before:)` or `killAndReap()`, so that no
    /// child is left running or as a zombie.
    struct Spawned {
        let pid: pid_t
        private(set) var stdout: Int32
        private(set) var stderr: Int32
        private var reaped = false

        init(argv: [String], environment: [String: String]) throws(Failure) {
            var stdoutPipe: [Int32] = [-1, -1]
            var stderrPipe: [Int32] = [-1, -1]
            guard pipe(&stdoutPipe) == 0 else { throw .spawnFailed(errno: errno) }
            guard pipe(&stderrPipe) == 0 else {
                let error = errno
                close(stdoutPipe[0]); close(stdoutPipe[1])
                throw .spawnFailed(errno: error)
            }
            // Close-on-exec: the write ends reach the child only through dup2 onto 1 and 2.
            // (pipe2 would set it atomically but Swift's Glibc module does not declare it; a
            // program spawned by another thread in between is covered by addclosefrom.)
            for descriptor in stdoutPipe + stderrPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
            let result = Self.spawn(argv: argv, environment: environment, stdout: stdoutPipe[1], stderr: stderrPipe[1])
            close(stdoutPipe[1])
            close(stderrPipe[1])
            switch result {
            case .success(let pid):
                self.pid = pid
            case .failure(let error):
                close(stdoutPipe[0]); close(stderrPipe[0])
                throw error
            }
            self.stdout = stdoutPipe[0]
            self.stderr = stderrPipe[0]
        }

        mutating func closeStdout() {
            if stdout >= 0 { close(stdout) }
            stdout = -1
        }

        mutating func closeStderr() {
            if stderr >= 0 { close(stderr) }
            stderr = -1
        }

        /// Waits for the child to exit until `deadline`; nil if it is still running then (it
        /// is left for `killAndReap`). Polls with a growing sleep: the child has closed its
        /// pipes, so it is almost always already exiting.
        mutating func reap(before deadline: ContinuousClock.Instant) -> Termination? {
            var pauseMicroseconds: UInt32 = 100
            while true {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid {
                    reaped = true
                    return Self.termination(status)
                }
                if result < 0 && errno != EINTR {
                    reaped = true  // ECHILD: someone else reaped it; nothing is left to kill.
                    return .exited(-1)
                }
                if ContinuousClock.now >= deadline { return nil }
                usleep(pauseMicroseconds)
                pauseMicroseconds = min(pauseMicroseconds * 2, 10_000)
            }
        }

        /// Kills the child's whole process group (a no-op once it was reaped: its pid, and so
        /// the group id, may then belong to someone else), waits for it and closes the pipes.
        mutating func killAndReap() {
            if !reaped {
                kill(-pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                reaped = true
            }
            closeStdout()
            closeStderr()
        }

        /// Decodes a `waitpid` status (WIFEXITED and friends are macros Swift cannot import).
        static func termination(_ status: Int32) -> Termination {
            let signal = status & 0x7f
            return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }

        private static func spawn(
            argv: [String], environment: [String: String], stdout: Int32, stderr: Int32
        ) -> Result<pid_t, Failure> {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
            posix_spawn_file_actions_adddup2(&actions, stderr, 2)
            if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            // A process group of its own (pgid = pid), so a timeout kills its children too.
            posix_spawnattr_setpgroup(&attributes, 0)
            var noSignals = sigset_t()
            sigemptyset(&noSignals)
            posix_spawnattr_setsigmask(&attributes, &noSignals)
            // Signals a server commonly ignores (SIGPIPE above all) stay ignored across exec:
            // give the child the defaults a command-line program expects.
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGPIPE, SIGXCPU, SIGXFSZ, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGALRM] {
                sigaddset(&defaults, signal)
            }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
            posix_spawnattr_setflags(&attributes, Int16(flags))

            let cArguments = argv.map { strdup($0) } + [nil]
            let cEnvironment = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                cArguments.forEach { free($0) }
                cEnvironment.forEach { free($0) }
            }
            var pid: pid_t = 0
            let error = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
            return error == 0 ? .success(pid) : .failure(.spawnFailed(errno: error))
        }

        /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module
        /// does not declare: it closes every descriptor from 3 up in the child, so a listening
        /// socket or a data file opened without O_CLOEXEC never reaches a PDF parser. Looked up
        /// at run time; without it we rely on O_CLOEXEC, which Foundation and NIO set.
        private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
                return nil
            }
            return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()
    }
}
