import Foundation
import RecCore
import Testing
@testable import Evaluation

@Suite struct EvalDatasetTests {
    @Test func csvWithQuotedTitlesAliasesAndDefaults() throws {
        let files = try TestFiles()
        // Line 2-3: one record whose quoted description spans two lines; the header uses aliases in odd case.
        let items = try files.write("items.csv", #"""
            ItemId,Title,Description,Categories,Image,PublishedAt\#r
            "m1","Heat, The ""Movie""","A heist
            in L.A.",Action|Crime,http://x/1.jpg,2020-01-02T00:00:00Z\#r
            m2,Plain,,Drama,,1577836800\#r

            """#)
        let interactions = try files.write("interactions.csv", """
            user_id,item_id,rating,time
            u1,m1,4.5,100
            u1,gone,3,101
            u2,m2,,102.5

            """)
        let ds = try EvalDataset.load(items: items, interactions: interactions)
        #expect(ds.items == [
            EvalItem(id: "m1", text: "Heat, The \"Movie\". A heist\nin L.A.", categories: ["Action", "Crime"], image: "http://x/1.jpg",
                     publishedAt: Date(timeIntervalSince1970: 1_577_923_200)),
            EvalItem(id: "m2", text: "Plain", categories: ["Drama"], publishedAt: Date(timeIntervalSince1970: 1_577_836_800)),
        ])
        // A rating column exists, so the type defaults to rating even where the cell is empty; the unknown item is skipped but counted.
        #expect(ds.events == [
            EvalEvent(user: "u1", item: "m1", type: .rating, value: 4.5, time: Date(timeIntervalSince1970: 100), index: 0),
            EvalEvent(user: "u2", item: "m2", type: .rating, value: nil, time: Date(timeIntervalSince1970: 102.5), index: 2),
        ])
        #expect(ds.skippedUnknownItems == 1)
        #expect(ds.catalog.ids == ["m1", "m2"])
    }

    @Test func tsvKeepsQuotesAndReadsTypesAndRFC3339() throws {
        let files = try TestFiles()
        let items = try files.write("items.tsv", "id\ttext\n7\tSay \"hi\", world\n")
        let interactions = try files.write("interactions.tsv", "User\tItem\tType\tTimestamp\nu\t7\tadd_to_cart\t2024-05-01T10:00:00Z\nu\t7\t\t2024-05-01T10:00:01+02:00\n")
        let ds = try EvalDataset.load(items: items, interactions: interactions)
        #expect(ds.items.map(\.text) == ["Say \"hi\", world"])
        #expect(ds.events.map(\.type) == [.addToCart, .view])   // no value column: default view
        #expect(ds.events[1].time == RFC3339.parse("2024-05-01T08:00:01Z"))
    }

    @Test func jsonlWithArrayCategoriesAndNumbers() throws {
        let files = try TestFiles()
        let items = try files.write("items.jsonl", """
            {"productId": "p1", "title": "Lamp", "categories": ["Home", "Light"], "publishedAt": 1700000000}

            {"productId": "p2", "text": "Desk", "description": "Oak"}
            """)
        let interactions = try files.write("interactions.jsonl", """
            {"userId": "u1", "productId": "p2", "type": "purchase", "value": 2, "occurredAt": "2024-01-01T00:00:00.5Z"}
            {"user_id": "u2", "item": "p1", "timestamp": 1700000100}
            """)
        let ds = try EvalDataset.load(items: items, interactions: interactions)
        #expect(ds.items[0].categories == ["Home", "Light"])
        #expect(ds.items[0].publishedAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(ds.items[1].text == "Desk. Oak")
        #expect(ds.events.map(\.type) == [.purchase, .view])
        #expect(ds.events[0].value == 2)
        #expect(ds.events[0].time.timeIntervalSince1970 == 1_704_067_200.5)
    }

    @Test func badRowsNameFileAndLine() throws {
        let files = try TestFiles()
        let items = try files.write("items.csv", "id,title\na,A\n\"b\",\"B\nstill B\"\n")
        let badNumber = try files.write("bad-number.csv", "user,item,value,timestamp\nu,a,1,10\nu,b,x,11\n")
        let error1 = #expect(throws: EvalError.self) { try EvalDataset.load(items: items, interactions: badNumber) }
        #expect(error1?.code == .badValue)
        #expect(error1?.dataLine == 3)
        #expect(error1?.description.hasPrefix(badNumber.path + ":3:") == true)

        let badType = try files.write("bad-type.tsv", "user\titem\ttype\ttimestamp\nu\ta\tlike\t10\n")
        let error2 = #expect(throws: EvalError.self) { try EvalDataset.load(items: items, interactions: badType) }
        #expect(error2?.code == .unknownEventType)
        #expect(error2?.dataLine == 2)

        let noTime = try files.write("no-time.csv", "user,item\nu,a\n")
        let error3 = #expect(throws: EvalError.self) { try EvalDataset.load(items: items, interactions: noTime) }
        #expect(error3?.code == .missingColumn)
        #expect(error3?.dataLine == 1)

        // The quoted newline in items.csv moves the next record to line 5.
        let badItems = try files.write("items2.csv", "id,title\na,A\n\"b\",\"B\nstill B\"\nc,C,1,2,3,\"open\n")
        let error4 = #expect(throws: EvalError.self) { try EvalDataset.load(items: badItems, interactions: noTime) }
        #expect(error4?.code == .badValue)
        #expect(error4?.dataLine == 5)

        let xml = try files.write("items.xml", "")
        #expect(throws: EvalError.self) { try EvalDataset.load(items: xml, interactions: noTime) }
    }
}
