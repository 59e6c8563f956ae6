import Testing
@testable import Profiles

@Suite struct FIFOBoundedMapTests {
    @Test func dropsTheEarliestInsertedKeysPastCapacity() {
        var m = FIFOBoundedMap<Int>(capacity: 2)
        m.insert(1, for: "a")
        m.insert(2, for: "b")
        m.insert(20, for: "b")  // an update keeps b's place in the order
        m.insert(3, for: "c")
        m.trim()
        #expect(m["a"] == nil)
        #expect(m["b"] == 20)
        #expect(m["c"] == 3)
        for i in 0..<100 { m.insert(i, for: "k\(i)"); m.trim() }
        #expect(m["k99"] == 99 && m["k98"] == 98 && m["k97"] == nil)
    }
}
