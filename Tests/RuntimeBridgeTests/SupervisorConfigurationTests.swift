import XCTest
@testable import RuntimeBridge

/// `--model-dir`: the manifest, post_config.json, and the setup mistakes named up front.
final class SupervisorConfigurationTests: XCTestCase {
    private var dir = ""

    override func setUp() async throws {
        dir = try FakeRuntimeProcess.makeDirectory()
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func write(_ text: String, to name: String, executable: Bool = false) throws {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if executable { chmod(path, 0o755) }
    }

    private let manifest = """
    {
      "name": "qwen3:4b", "family": "qwen3", "parameter_size": "4B", "quantization": "w8a16",
      "context_tokens": 2048,
      "env": { "LD_LIBRARY_PATH": "/usr/lib/axcl" },
      "runtime": { "command": "./main_api_axcl_aarch64", "args": ["--axmodel_num", "36"] },
      "tokenizer": { "command": "python3", "args": ["qwen3_tokenizer_uid.py", "--port", "12345"] }
    }
    """

    private let qwenPostConfig = """
    { "enable_temperature" : true, "temperature" : 0.9,
      "enable_repetition_penalty" : false, "repetition_penalty" : 1.2, "penalty_window" : 30,
      "enable_top_p_sampling" : false, "top_p" : 0.8,
      "enable_top_k_sampling" : true, "top_k" : 1 }
    """

    private func load() throws -> ResolvedRuntime {
        try RuntimeSource.modelDirectory(path: dir).resolve()
    }

    private func expectError(_ check: (ConfigurationError) -> Void, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(), file: file, line: line) { error in
            guard let error = error as? ConfigurationError else { return XCTFail("\(error)", file: file, line: line) }
            check(error)
        }
    }

    func testValidModelDirectory() throws {
        try write(manifest, to: "axrpc-model.json")
        try write("#!/bin/sh\nexit 0\n", to: "main_api_axcl_aarch64", executable: true)
        try write(qwenPostConfig, to: "post_config.json")
        let resolved = try load()
        XCTAssertEqual(resolved.model.descriptor.name, "qwen3:4b")
        XCTAssertEqual(resolved.model.descriptor.family, "qwen3")
        XCTAssertEqual(resolved.model.descriptor.parameterSize, "4B")
        XCTAssertEqual(resolved.model.descriptor.quantization, "w8a16")
        XCTAssertEqual(resolved.model.descriptor.contextLength, 2048)
        XCTAssertFalse(resolved.model.descriptor.emulated)
        XCTAssertEqual(resolved.model.contextTokens, 2048)
        XCTAssertEqual(resolved.model.samplingDefaults,
                       SamplingDefaults(temperature: 0.9, topP: 0, topK: 1, repetitionPenalty: 1.0))
        XCTAssertTrue(resolved.warnings.isEmpty)
        guard case let .launch(runtime, tokenizer) = resolved.plan.mode else { return XCTFail("not a launch plan") }
        XCTAssertEqual(runtime.invocation, .program(dir + "/main_api_axcl_aarch64", arguments: ["--axmodel_num", "36"]))
        XCTAssertEqual(runtime.workingDirectory, dir)
        XCTAssertEqual(runtime.environment, ["LD_LIBRARY_PATH": "/usr/lib/axcl"])
        XCTAssertEqual(runtime.endpoint, RuntimeEndpoint(host: "127.0.0.1", port: 8000))
        XCTAssertEqual(tokenizer?.invocation, .program("python3", arguments: ["qwen3_tokenizer_uid.py", "--port", "12345"]))
        XCTAssertEqual(tokenizer?.endpoint, RuntimeEndpoint(host: "127.0.0.1", port: 12345))
        XCTAssertEqual(tokenizer?.workingDirectory, dir)
    }

    func testMissingPostConfigMeansGreedyWithAWarning() throws {
        try write(manifest, to: "axrpc-model.json")
        try write("#!/bin/sh\n", to: "main_api_axcl_aarch64", executable: true)
        let resolved = try load()
        XCTAssertEqual(resolved.model.samplingDefaults.topK, 1)
        XCTAssertEqual(resolved.model.samplingDefaults.temperature, 0)
        XCTAssertEqual(resolved.warnings.count, 1)
        XCTAssertTrue(resolved.warnings[0].contains("post_config.json"), resolved.warnings[0])
    }

    func testPostConfigMapping() throws {
        let all = PostConfig(enableTemperature: .init(true), temperature: 0.7,
                             enableTopP: .init(true), topP: 0.9, enableTopK: .init(true), topK: 40,
                             enableRepetitionPenalty: .init(true), repetitionPenalty: 1.1)
        XCTAssertEqual(try all.samplingDefaults(path: "p"),
                       SamplingDefaults(temperature: 0.7, topP: 0.9, topK: 40, repetitionPenalty: 1.1))
        let none = PostConfig(enableTemperature: .init(false), temperature: 0.7, enableTopP: nil, topP: nil,
                              enableTopK: .init(false), topK: 1, enableRepetitionPenalty: nil, repetitionPenalty: nil)
        XCTAssertEqual(try none.samplingDefaults(path: "p"),
                       SamplingDefaults(temperature: 0, topP: 0, topK: 0, repetitionPenalty: 1.0))
        let broken = PostConfig(enableTopK: .init(true), topK: 1.5)
        XCTAssertThrowsError(try broken.samplingDefaults(path: "p"))

        try write(manifest, to: "axrpc-model.json")
        try write("#!/bin/sh\n", to: "main_api_axcl_aarch64", executable: true)
        try write(#"{"enable_top_k_sampling": 1, "top_k": 1, "temperature": "hot"}"#, to: "post_config.json")
        expectError { error in
            XCTAssertTrue(error.description.contains("post_config.json"), error.description)
            XCTAssertTrue(error.description.contains("\"temperature\" must be a number"), error.description)
        }
    }

    func testMissingManifest() {
        expectError { error in
            XCTAssertEqual(error, .manifestMissing(dir + "/axrpc-model.json"))
            XCTAssertTrue(error.description.contains("axrpc-model.json"))
        }
        XCTAssertThrowsError(try RuntimeSource.modelDirectory(path: dir + "/nope").resolve()) { error in
            XCTAssertEqual(error as? ConfigurationError, .modelDirectoryNotFound(dir + "/nope"))
        }
    }

    func testInvalidManifest() throws {
        try write("{ \"name\": \"x\", ", to: "axrpc-model.json")
        expectError { XCTAssertTrue($0.description.hasPrefix(dir + "/axrpc-model.json: not valid JSON"), $0.description) }

        try write(#"{"name": "x", "context_tokens": 2048, "runtime": {"args": []}}"#, to: "axrpc-model.json")
        expectError { XCTAssertTrue($0.description.contains("missing required key \"runtime.command\""), $0.description) }

        try write(#"{"name": "x", "context_tokens": "many", "runtime": {"command": "x"}}"#, to: "axrpc-model.json")
        expectError { XCTAssertTrue($0.description.contains("\"context_tokens\" must be a number"), $0.description) }

        try write(#"{"name": "x", "context_tokens": 2048, "runtime": {"command": "no-such-program-here"}}"#,
                  to: "axrpc-model.json")
        expectError { XCTAssertTrue($0.description.contains("neither a file in"), $0.description) }
    }

    func testLFSPointerRuntimeBinary() throws {
        try write(manifest, to: "axrpc-model.json")
        try write("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 1816560\n",
                  to: "main_api_axcl_aarch64", executable: true)
        expectError { error in
            XCTAssertEqual(error, .lfsPointer(dir + "/main_api_axcl_aarch64", "the runtime program"))
            XCTAssertTrue(error.description.contains("git lfs pull"), error.description)
        }
    }

    func testLFSPointerModelFiles() throws {
        try write(manifest, to: "axrpc-model.json")
        try write("#!/bin/sh\n", to: "main_api_axcl_aarch64", executable: true)
        try write("version https://git-lfs.github.com/spec/v1\noid sha256:1\nsize 9\n",
                  to: "qwen3-4b-ax650/qwen3_p128_l0_together.axmodel")
        expectError { error in
            XCTAssertEqual(error, .lfsPointers(directory: dir, files: [dir + "/qwen3-4b-ax650/qwen3_p128_l0_together.axmodel"]))
        }
    }

    func testBinaryForAnotherCPU() throws {
        guard let host = FileInspection.hostMachine else { throw XCTSkip("unknown host CPU") }
        let other: UInt8 = host == 183 ? 62 : 183
        var header: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + Array(repeating: 0, count: 11) + [other, 0]
        header += Array(repeating: 0, count: 44)
        try write(manifest, to: "axrpc-model.json")
        _ = FileManager.default.createFile(atPath: dir + "/main_api_axcl_aarch64", contents: Data(header))
        chmod(dir + "/main_api_axcl_aarch64", 0o755)
        expectError { error in
            XCTAssertTrue(error.description.contains("this machine is"), error.description)
        }
    }

    func testOtherSources() throws {
        let launch = try RuntimeSource.launch(command: "./main_api_axcl_aarch64 --devices 0",
                                              tokenizerCommand: "python3 tok.py").resolve()
        XCTAssertEqual(launch.model, .qwen3_4B(emulated: false))
        guard case let .launch(runtime, tokenizer) = launch.plan.mode else { return XCTFail() }
        XCTAssertEqual(runtime.invocation, .shellCommand("./main_api_axcl_aarch64 --devices 0"))
        XCTAssertEqual(runtime.endpoint.port, 8000)
        XCTAssertEqual(tokenizer?.endpoint.port, 12345)

        let attach = try RuntimeSource.attach(url: "http://10.0.0.5:8000").resolve()
        XCTAssertEqual(attach.plan.mode, .attach(RuntimeEndpoint(host: "10.0.0.5", port: 8000)))

        let emulator = try RuntimeSource.builtInEmulator(emulatorPath: "/x/axllm-emulator", arguments: ["--port", "8123"])
            .resolve()
        XCTAssertEqual(emulator.model, .emulatedDefault)
        XCTAssertEqual(emulator.model.descriptor.name, "qwen3:4b")
        guard case let .launch(emulated, _) = emulator.plan.mode else { return XCTFail() }
        XCTAssertEqual(emulated.endpoint.port, 8123)
        XCTAssertNil(emulated.dynamicPortFlag)

        XCTAssertThrowsError(try RuntimeSource.attach(url: "ftp://x").resolve())
    }

    func testEmulatorLocatorLooksNextToTheExecutable() {
        // The test bundle's folder is the build folder; whether the emulator was built there
        // varies, but the answer must be that folder's file or a clear error naming it.
        do {
            let path = try EmulatorLocator.locate()
            XCTAssertTrue(path.hasSuffix("/axllm-emulator"))
        } catch {
            XCTAssertTrue("\(error)".contains("axllm-emulator"))
        }
    }
}
