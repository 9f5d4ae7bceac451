import XCTest
@testable import RuntimeBridge

/// Fact 5: the runtime's sampler is sticky and top-p / top-k switch each other off, so each
/// request sends its temperature and exactly one filter, and no penalty can leak.
final class ResolvedSamplingTests: XCTestCase {
    /// Qwen3-4B's post_config.json: temperature off, top-k 1, top-p and penalty off.
    private let qwen3 = SamplingDefaults(temperature: 0, topP: 0, topK: 1, repetitionPenalty: 1.0)

    private func resolve(_ request: SamplingParameters, _ defaults: SamplingDefaults? = nil) throws -> ResolvedSampling {
        try ResolvedSampling.resolve(request, defaults: defaults ?? qwen3).get()
    }

    func testTopPAloneSendsTopPOnly() throws {
        let sampling = try resolve(.init(temperature: 0.7, topP: 0.9))
        XCTAssertEqual(sampling, ResolvedSampling(temperature: 0.7, selection: .topP(0.9)))
    }

    func testTopKAloneAndTopKWithTopPSendTopK() throws {
        XCTAssertEqual(try resolve(.init(topK: 40)).selection, .topK(40))
        XCTAssertEqual(try resolve(.init(topP: 0.9, topK: 40)).selection, .topK(40), "top-k wins, as in the runtime")
    }

    func testNeitherSendsTheModelDefaultEveryTime() throws {
        XCTAssertEqual(try resolve(.init()), ResolvedSampling(temperature: 0, selection: .topK(1)))
        let nucleus = SamplingDefaults(temperature: 0.6, topP: 0.95, topK: 0, repetitionPenalty: 1)
        XCTAssertEqual(try resolve(.init(), nucleus), ResolvedSampling(temperature: 0.6, selection: .topP(0.95)))
        let argmax = SamplingDefaults(temperature: 0, topP: 0, topK: 0, repetitionPenalty: 1)
        XCTAssertEqual(try resolve(.init(), argmax).selection, .topK(0), "top-k 0 switches both filters off")
    }

    func testTopPOneAndTopKZeroCountAsUnset() throws {
        XCTAssertEqual(try resolve(.init(topP: 1)).selection, .topK(1))
        XCTAssertEqual(try resolve(.init(topP: 0.5, topK: 0)).selection, .topP(0.5))
    }

    func testAPenaltyIsRefusedWhereItCouldNotBeSwitchedOffAgain() {
        guard case let .failure(.invalidArgument(message)) = ResolvedSampling.resolve(
            .init(repetitionPenalty: 1.3), defaults: qwen3) else { return XCTFail("must be refused") }
        XCTAssertTrue(message.contains("repetition_penalty"), message)
        XCTAssertEqual(try resolve(.init(repetitionPenalty: 1.0)).repetitionPenalty, nil, "off is fine")
        let withPenalty = SamplingDefaults(temperature: 0, topP: 0, topK: 1, repetitionPenalty: 1.1)
        XCTAssertEqual(try resolve(.init(), withPenalty).repetitionPenalty, 1.1, "the default is re-sent")
        XCTAssertEqual(try resolve(.init(repetitionPenalty: 1.3), withPenalty).repetitionPenalty, 1.3)
        guard case .failure = ResolvedSampling.resolve(.init(repetitionPenalty: 1.0), defaults: withPenalty) else {
            return XCTFail("a penalty that is on cannot be switched off")
        }
    }

    func testOutOfRangeValuesAreRefused() {
        for request in [SamplingParameters(temperature: -1), SamplingParameters(topP: 1.5),
                        SamplingParameters(topP: -0.1)] {
            guard case .failure(.invalidArgument) = ResolvedSampling.resolve(request, defaults: qwen3) else {
                return XCTFail("\(request) must be refused")
            }
        }
    }
}
