import Foundation
import Testing
@testable import BedrockClient

/// Known answers from AWS's own signer (aws-msk-iam-sasl-signer-python 1.0.2 with botocore 1.44.8, its clock fixed
/// at 2026-11-30T15:04:05Z, region eu-west-1): the same credentials and time must give the same signature and
/// the same signed parameters (the parameter order and the User-Agent may differ; MSK parses the query).
@Suite struct MSKIAMAuthTokenTests {
    static let date = Date(timeIntervalSince1970: 1_796_051_045)   // 2026-11-30T15:04:05Z
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static func parameters(_ token: String) throws -> (host: String, params: [String: String]) {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        let data = try #require(Data(base64Encoded: b64))
        let url = try #require(String(data: data, encoding: .utf8))
        let components = try #require(URLComponents(string: url))
        var params = [String: String]()
        for item in components.percentEncodedQueryItems ?? [] { params[item.name] = item.value }
        params["User-Agent"] = nil
        return (components.host ?? "", params)
    }

    @Test func staticCredentials() throws {
        let token = MSKIAMAuthToken(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret), region: "eu-west-1", date: Self.date)
        let reference = "aHR0cHM6Ly9rYWZrYS5ldS13ZXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJREVYQU1QTEUlMkYyMDI2MTEzMCUyRmV1LXdlc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTEzMFQxNTA0MDVaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9ZjZmMDRmOTQzYzYyYTdiODhlOTI0MmVkYjAxNjQyM2UwY2JhMDRhZjZlZmFiYzRjNzk2MWE4NzUxMWY0OTQ3NSZVc2VyLUFnZW50PWF3cy1tc2staWFtLXNhc2wtc2lnbmVyLXB5dGhvbiUyRjEuMC4y"
        let ours = try Self.parameters(token.value), theirs = try Self.parameters(reference)
        #expect(ours.host == "kafka.eu-west-1.amazonaws.com" && ours.host == theirs.host)
        #expect(ours.params == theirs.params)
        #expect(ours.params["X-Amz-Signature"] == "f6f04f943c62a7b88e9242edb016423e0cba04af6efabc4c7961a87511f49475")
        #expect(token.expiresAt.timeIntervalSince1970 * 1000 == 1_796_051_945_000)
        #expect(!token.value.contains("=") && !token.value.contains("+") && !token.value.contains("/"))
    }

    @Test func temporaryCredentialsSignTheirSessionToken() throws {
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: Self.secret, sessionToken: "FwoGZXIvYXdzEPT//////////wEaD+token/with=chars")
        let token = MSKIAMAuthToken(credentials: credentials, region: "eu-west-1", date: Self.date)
        let reference = "aHR0cHM6Ly9rYWZrYS5ldS13ZXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QVNJQUVYQU1QTEUlMkYyMDI2MTEzMCUyRmV1LXdlc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTEzMFQxNTA0MDVaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFUFQlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkZ3RWFEJTJCdG9rZW4lMkZ3aXRoJTNEY2hhcnMmWC1BbXotU2lnbmF0dXJlPTk5NjZhNTI5MDU2YWNlNDg0ZmExZjU0ZWMyODQxMzViMzRiNjExNGNlYzg2ZWU2NGZmYWM2OTRmYzk5NWYyNjMmVXNlci1BZ2VudD1hd3MtbXNrLWlhbS1zYXNsLXNpZ25lci1weXRob24lMkYxLjAuMg"
        let ours = try Self.parameters(token.value), theirs = try Self.parameters(reference)
        #expect(ours.params == theirs.params)
        #expect(ours.params["X-Amz-Signature"] == "9966a529056ace484fa1f54ec284135b34b6114cec86ee64ffac694fc995f263")
    }
}
