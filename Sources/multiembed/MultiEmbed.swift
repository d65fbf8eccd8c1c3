import ArgumentParser

/// The `multiembed` command line: embed texts in batches, benchmark the encoders.
@main
struct MultiEmbed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multiembed",
        abstract: "Multimodal embeddings: text and images into one space, late-interaction retrieval.",
        subcommands: [EmbedCommand.self, SimilarityCommand.self, BenchCommand.self, IndexCommand.self, SearchCommand.self, EvalCommand.self, ServeCommand.self, InfoCommand.self])
}
