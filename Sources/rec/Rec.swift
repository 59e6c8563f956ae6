import RecApp
import ArgumentParser
import RecDemo

@main
struct Rec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rec",
        abstract: "Event-driven multimodal recommendations: consumers, HTTP API, and operations.",
        discussion: "Configuration comes from the environment; for the local stack run: eval \"$(deploy/local/stack env)\".",
        subcommands: [
            MigrateCommand.self,
            DoctorCommand.self,
            TitanLocalCommand.self,
            BenchLauncher.self,
            ConsumeCommand.self,
            ProfilesCommand.self,
            ModelsCommand.self,
            UsersCommand.self,
            Demo.self,
            ServeCommand.self,
            APIKeysCommand.self,
            EvalCommand.self,
            TransitionsCommand.self,
            ConfigCommand.self,
            DLQCommand.self,
            FinetuneCommand.self,
            BatchEmbedCommand.self,
        ]
    )
}
