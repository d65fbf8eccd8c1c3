/// One poppler program run for one document, with its outcome translated into `PDFError`s that
/// name the document: poppler's exit statuses are 1 for a file it cannot open or parse, 3 for a
/// permission (password) problem, 99 for anything else; a signal means it crashed or hit a limit.
struct PopplerRun {
    let tool: String
    let name: String
    let limits: PDFLimits
    let tools: PopplerTools

    /// Runs the tool and returns what it wrote, or throws if it failed.
    func run(_ arguments: [String], maxStdoutBytes: Int, expectedBytes: Int = 0) throws(PDFError) -> ChildProcess.Output {
        let executable = try tools.executable(tool)
        let childLimits = ChildProcess.Limits(
            timeLimit: limits.timeLimit, maxStdoutBytes: maxStdoutBytes,
            memoryLimitBytes: limits.memoryLimitBytes, expectedStdoutBytes: expectedBytes)
        let output: ChildProcess.Output
        do {
            output = try ChildProcess.run(executable, arguments, limits: childLimits)
        } catch {
            switch error {
            case .prlimitMissing:
                throw .toolMissing(tool: "prlimit", searched: PopplerTools.systemSearchPath)
            case .spawnFailed(let code):
                throw .toolFailed(name: name, tool: tool, reason: "could not start: \(TemporaryFile.message(code))")
            case .timedOut:
                throw .timedOut(name: name, tool: tool, limit: limits.timeLimit)
            case .stdoutTooLarge:
                throw .outputTooLarge(name: name, tool: tool, maxBytes: maxStdoutBytes)
            }
        }
        try check(output)
        return output
    }

    /// Turns a failed run into the error that says why.
    func check(_ output: ChildProcess.Output) throws(PDFError) {
        let message = output.lastStderrLine ?? ""
        if output.stderr.contains("Incorrect password") { throw .encrypted(name: name) }
        switch output.termination {
        case .exited(0):
            return
        case .exited(1):
            throw .damaged(name: name, reason: message.isEmpty ? "\(tool) could not open it" : Self.strip(message))
        case .exited(3):
            throw .encrypted(name: name)
        case .exited(let code):
            throw .toolFailed(name: name, tool: tool, reason: Self.explain("exit status \(code)", message))
        case .signaled(let signal):
            let how = ChildProcess.Termination.signaled(signal).description
            throw .toolFailed(
                name: name, tool: tool,
                reason: Self.explain("killed by \(how) (memory limit \(limits.memoryLimitBytes >> 20) MiB)", message))
        }
    }

    static func explain(_ what: String, _ message: String) -> String {
        message.isEmpty ? what : "\(what); last message: \(strip(message))"
    }

    /// poppler prefixes its messages with their category; the category says nothing to a user.
    static func strip(_ message: String) -> String {
        for prefix in ["Syntax Error: ", "Internal Error: ", "I/O Error: ", "Command Line Error: "]
        where message.hasPrefix(prefix) {
            return String(message.dropFirst(prefix.count))
        }
        return message
    }
}
