import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn (Foundation's Process hangs here when children leave grandchildren).
struct ChildProcess {
    let pid: pid_t

    /// Starts `path` with `arguments` and exactly `environment`; stdout and stderr go to `logPath`.
    static func spawn(_ path: String, _ arguments: [String], environment: [String: String], logPath: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        return ChildProcess(pid: pid)
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the exit (off the cooperative pool) and returns the exit code, or 128+signal.
    func wait(timeout: Duration = .seconds(60)) async -> Int32? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let sig = status & 0x7f
                return sig == 0 ? (status >> 8) & 0xff : 128 + sig
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
