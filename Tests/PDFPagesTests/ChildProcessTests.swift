import Foundation
import Testing

@testable import PDFPages

/// The child-process runner on its own, with /bin/sh as the program.
@Suite struct ChildProcessTests {
    static func limits(
        time: Duration = .seconds(10), stdout: Int = 1 << 20, memory: Int? = nil
    ) -> ChildProcess.Limits {
        ChildProcess.Limits(timeLimit: time, maxStdoutBytes: stdout, memoryLimitBytes: memory)
    }

    static func sh(_ script: String, _ limits: ChildProcess.Limits) throws(ChildProcess.Failure) -> ChildProcess.Output {
        try ChildProcess.run("/bin/sh", ["-c", script], limits: limits)
    }

    @Test func collectsOutputAndStatus() throws {
        let output = try Self.sh("printf 'out'; echo 'first' >&2; echo 'Syntax Error: last' >&2; exit 7", Self.limits())
        #expect(output.stdout == Array("out".utf8))
        #expect(output.termination == .exited(7))
        #expect(output.lastStderrLine == "Syntax Error: last")
    }

    /// 1 MB on stderr before a byte of stdout: a reader that drained stdout first would wait
    /// forever on a child blocked writing to a full stderr pipe.
    @Test func fullStderrCannotDeadlock() throws {
        let output = try Self.sh("head -c 1000000 /dev/zero | tr '\\0' 'e' >&2; echo >&2; echo 'the end' >&2; head -c 300000 /dev/zero", Self.limits())
        #expect(output.stdout.count == 300_000)
        #expect(output.stderr.utf8.count <= 2 * ChildProcess.stderrTailBytes)
        #expect(output.lastStderrLine == "the end")
    }

    @Test func stdoutOverTheCapIsRefused() {
        let start = ContinuousClock.now
        #expect(throws: ChildProcess.Failure.stdoutTooLarge(stderr: "")) {
            try Self.sh("head -c 100000000 /dev/zero", Self.limits(stdout: 1 << 20))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func stdoutExactlyAtTheCapIsAccepted() throws {
        #expect(try Self.sh("head -c 4096 /dev/zero", Self.limits(stdout: 4096)).stdout.count == 4096)
    }

    @Test func timeLimitKillsTheProcessGroup() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let start = ContinuousClock.now
        #expect(throws: ChildProcess.Failure.timedOut(stderr: "started\n")) {
            try Self.sh("echo started >&2; sleep 30 & echo $! > '\(folder.file("child"))'; wait", Self.limits(time: .milliseconds(300)))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        let sleeper = try #require(Int32(String(contentsOfFile: folder.file("child"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(processIsGone(sleeper))
    }

    /// A child that closes its output and keeps running is still bound by the time limit.
    @Test func childThatClosesItsPipesIsStillTimed() {
        #expect(throws: ChildProcess.Failure.timedOut(stderr: "")) {
            try Self.sh("exec >&- 2>&-; sleep 30", Self.limits(time: .milliseconds(300)))
        }
    }

    @Test func memoryLimitIsSetInTheChild() throws {
        // `ulimit -v` reports RLIMIT_AS in KiB; -c the core size, -t the CPU seconds.
        let output = try Self.sh("ulimit -v; ulimit -c; ulimit -t", Self.limits(time: .seconds(10), memory: 256 << 20))
        #expect(String(decoding: output.stdout, as: UTF8.self) == "262144\n0\n12\n")
    }

    @Test func childGetsNoInheritedDescriptorsAndAMinimalEnvironment() throws {
        // A descriptor of ours without O_CLOEXEC must not reach the child.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let output = try Self.sh("ls /proc/self/fd; echo --; env", Self.limits())
        let text = String(decoding: output.stdout, as: UTF8.self).split(separator: "--\n")
        let descriptors = Set(text[0].split(separator: "\n").compactMap { Int($0) })
        #expect(descriptors.isSubset(of: [0, 1, 2, 3]), "stdin/out/err and ls's own directory: \(descriptors)")
        let allowed: Set<String> = ["PATH", "LC_ALL", "HOME", "TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "FONTCONFIG_FILE", "FONTCONFIG_PATH", "PWD", "SHLVL", "_"]
        let names = Set(text[1].split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(names.isSubset(of: allowed), "\(names.subtracting(allowed))")
        #expect(names.contains("LC_ALL"))
    }

    @Test func stdinIsEmpty() throws {
        #expect(try Self.sh("cat", Self.limits()).stdout.isEmpty)
    }

    @Test func signalIsReported() throws {
        #expect(try Self.sh("kill -ABRT $$", Self.limits()).termination == .signaled(SIGABRT))
        #expect(ChildProcess.Termination.signaled(SIGSEGV).description == "signal 11 (SIGSEGV)")
    }

    @Test func missingProgram() {
        #expect(throws: ChildProcess.Failure.spawnFailed(errno: ENOENT)) {
            try ChildProcess.run("/nonexistent/program", [], limits: Self.limits())
        }
    }

    @Test func manyRunsLeaveNoZombies() throws {
        for _ in 0..<50 {
            _ = try Self.sh("exit 0", Self.limits())
            _ = try? Self.sh("sleep 5", Self.limits(time: .milliseconds(5)))
        }
        // Other suites run children concurrently, each a zombie for the moment between its
        // exit and its reaping: only a zombie child that stays is a leak.
        var zombies = Self.zombieChildren()
        for _ in 0..<40 where !zombies.isEmpty {
            usleep(50_000)
            zombies.formIntersection(Self.zombieChildren())
        }
        #expect(zombies.isEmpty, "zombie children: \(zombies)")
    }

    /// Our children that have exited and not been waited for.
    static func zombieChildren() -> Set<Int32> {
        let mine = getpid()
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
        return Set(pids.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == mine
        })
    }

    @Test func pollTimeoutRoundsUp() {
        #expect(ChildProcess.milliseconds(.nanoseconds(1)) == 1)
        #expect(ChildProcess.milliseconds(.microseconds(1500)) == 2)
        #expect(ChildProcess.milliseconds(.seconds(3)) == 3000)
        #expect(ChildProcess.milliseconds(.seconds(Int64.max / 2)) == Int32.max)
    }
}
