import ArgumentParser
import RecBench

/// `rec-bench`: the benchmark binary (RecBench's commands).
@main
struct RecBenchMain: AsyncParsableCommand {
    static let configuration = Bench.configuration
}
