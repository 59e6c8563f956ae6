import Testing
@testable import BedrockClient

@Suite struct TitanModelTests {
    @Test func modelCardLimits() {
        #expect(TitanModel.supportedDimensions == [256, 384, 1024])
        #expect(TitanModel.maxImageBytes == 5_242_880)
    }
}
