import ArgumentParser
import Foundation

extension Rec {
    /// ArgumentParser's `main()`, except that the `rec finetune …` commands report usage errors (unknown option,
    /// missing argument) with exit code 2 instead of 64: their documented codes are 0 valid, 1 invalid, 2 usage or
    /// I/O error, so scripts can tell a bad dataset from a bad command line. Every other command is unchanged.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if arguments.first == "finetune", exitCode(for: error) != .success {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        do {
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                var sync = command
                try sync.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
