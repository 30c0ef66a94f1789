#!/usr/bin/env python3
# Writes tests/waf/benign/*.txt: benign HTTP requests written for Aegis (no
# external corpus), raw HTTP/1.1, separated by a line "%%". Deterministic:
# rerun after editing the lists below. Usage: tests/waf/make_benign.py
import os, random, json, urllib.parse as up

random.seed(7)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "benign")
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "curl/7.88.1", "python-requests/2.31.0", "okhttp/4.12.0", "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
HOST = "shop.example.com"
def cookies():
    return random.choice([
        "sessionid=9f8e7d6c5b4a39281706; csrftoken=Xy12Ab34Cd56Ef78; theme=dark",
        "_ga=GA1.2.1234567890.1699999999; _gid=GA1.2.987654321.1700000000; lang=en-US",
        "PHPSESSID=3k2j4h5g6f7d8s9a0; cart=%5B12%2C45%2C78%5D; consent=analytics%3Dno%3Bads%3Dno",
        "sid=s%3Aab12.cd34; remember_me=1; tz=Europe%2FBerlin",
        "wordpress_logged_in_abc=editor%7C1700000000%7Ctoken; wp-settings-1=libraryContent%3Dbrowse",
    ])
def headers(extra=None, ua=None):
    h = [("Host", HOST), ("User-Agent", ua or random.choice(UAS)),
         ("Accept", random.choice(["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
                                   "application/json, text/plain, */*", "*/*"])),
         ("Accept-Language", random.choice(["en-US,en;q=0.5", "de-DE,de;q=0.9,en;q=0.8", "fr-FR,fr;q=0.9"])),
         ("Accept-Encoding", "gzip, deflate, br")]
    if random.random() < 0.7:
        h.append(("Cookie", cookies()))
    if random.random() < 0.5:
        h.append(("Referer", "https://%s/%s" % (HOST, random.choice(["", "catalog/shoes?page=2", "blog/2023/10/hello-world", "search?q=o%27reilly+books"]))))
    if extra:
        h += extra
    return h
def req(method, uri, hdrs, body=None):
    s = "%s %s HTTP/1.1\n" % (method, uri)
    for k, v in hdrs:
        s += "%s: %s\n" % (k, v)
    if body is not None:
        s += "Content-Length: %d\n" % len(body.encode())
    s += "\n"
    if body is not None:
        s += body + "\n"
    return s
def q(d):
    return up.urlencode(d)

SEARCHES = ["O'Reilly", "rock 'n' roll", "don't stop me now", "Ben & Jerry's", "\"exact phrase\" search",
    "men's shoes size 42", "it's a wonderful life", "c++ primer", "c# in depth", "50% off", "tom & jerry dvd",
    "where is my order", "how to select a good laptop", "union square hotels", "drop shipping suppliers",
    "1/2 inch drill bit", "AT&T phone plans", "café au lait", "naïve bayes", "Müller-Lüdenscheidt",
    "red, blue; green", "size:M color:red", "javascript the good parts", "the script of the movie",
    "dog's toys & cat's toys", "L'Oréal paris", "what's new?", "100 + 200", "email: ann@example.org",
    "select the best running shoe", "order by price", "1 or 2 bedroom apartment", "and/or", "who am i movie",
    "cat food 5kg", "sleep mask", "ping pong table", "echo dot 5th gen", "find my phone", "more or less",
    "\u65e5\u672c\u8a9e", "\u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442", "<3 valentines gifts",
    "x > y math help", "ratio 3:2", "path/to/docs", "version 2.0.1", "#hashtag", "@mention", "~tilde", "pipes | and | bars",
    "a-b_c.d", "year 2023-2024", "it's 5 o'clock somewhere", "shaquille o'neal jersey", "\"hello\" world",
    "reset password", "user id 12345", "weather in d'Artagnan", "D&D dice set", "Q&A forum",
    "$5 coffee", "semi;colon", "temp 20°C", "drop-down menu", "Johnson & Johnson", "if you leave", "case when",
]
PRODUCTS = ["shoes", "t-shirts", "laptops", "books", "garden", "toys", "kitchen", "phones"]
POSTS = [
    "<p>Great article! I <b>really</b> enjoyed the part about caching.</p>",
    "<p>See <a href=\"https://shop.example.com/blog/2023/10/caching\">my earlier post</a> for details.</p>",
    "<h2>Release notes</h2><ul><li>Faster search</li><li>Dark mode</li></ul>",
    "<p>Photo from the trip:</p><img src=\"/uploads/2023/11/lake.jpg\" alt=\"Lake at dawn\" width=\"800\">",
    "<blockquote>Stay hungry, stay foolish.</blockquote><p>&mdash; Steve</p>",
    "<p>Tom &amp; Jerry's &quot;classic&quot; episodes are on sale &lt;today only&gt;.</p>",
    "<table><tr><th>Size</th><th>Price</th></tr><tr><td>M</td><td>$19.99</td></tr></table>",
    "<p style=\"text-align:center\"><em>Thanks for reading!</em></p>",
    "<pre><code>def add(a, b):\n    return a + b\n</code></pre>",
    "<p>Contact us at <a href=\"mailto:help@example.com\">help@example.com</a>.</p>",
    "<div class=\"note\"><strong>Note:</strong> shipping takes 3&ndash;5 days.</div>",
    "<p>Rock 'n' roll isn't dead; it's just resting.</p>",
]
MARKDOWN = [
    "# My build log\n\nI used **Python 3.11** and `pip install requests`.\n\n- step one\n- step two",
    "Here's the fix:\n\n```js\nconst total = items.reduce((a, b) => a + b.price, 0);\nconsole.log(`total: ${total}`);\n```",
    "Try this query in your reporting tool:\n\n```sql\nSELECT name, price FROM products WHERE price < 20 ORDER BY price;\n```\nIt lists cheap items.",
    "> quoted reply\n\nI agree with @ann, the *new* layout is better. [docs](https://shop.example.com/docs/layout)",
    "In Go you'd write:\n\n```go\nif err != nil {\n\treturn fmt.Errorf(\"open: %w\", err)\n}\n```",
    "Use `git log --oneline | head` to see the last commits.",
    "My shell prompt is `PS1='\\u@\\h:\\w$ '` and it works fine.",
    "Python tip: `time.sleep(1)` inside the loop avoids hammering the API.",
    "Regex for dates: `^\\d{4}-\\d{2}-\\d{2}$` works for ISO dates.",
    "Step 1: open Settings; step 2: choose Privacy; step 3: save.",
    "1. Preheat oven to 180°C\n2. Mix flour & sugar\n3. Bake for 25-30 min",
    "Is it `a && b || c` or `(a && b) || c`? Operator precedence question.",
]
NAMES = ["Ann O'Neil", "Jean-Luc Picard", "Zoë Saldaña", "Dr. Jekyll", "Mary-Kate", "José García", "D'Angelo Russell", "Li Wei"]
EMAILS = ["ann.oneil@example.org", "j.picard+shop@example.com", "zoe_s@mail.example.net", "li.wei@example.cn"]

def gen_browse():
    out = []
    paths = ["/", "/about", "/contact", "/catalog/%s" % random.choice(PRODUCTS), "/blog/2023/10/hello-world",
             "/static/css/main.4f3a2b.css", "/static/js/app.9c8d7e.js", "/images/logo.svg", "/favicon.ico",
             "/product/12345/red-running-shoe", "/cart", "/checkout/shipping", "/account/orders",
             "/wp-login.php", "/wp-admin/", "/robots.txt", "/sitemap.xml", "/feed/", "/docs/api/v2/index.html",
             "/category/men/shoes/", "/help/faq#returns", "/users/ann/profile", "/files/report-2023.pdf"]
    for p in paths:
        out.append(req("GET", p, headers()))
    for s in SEARCHES:
        out.append(req("GET", "/search?" + q({"q": s, "page": random.randint(1, 5)}), headers()))
    for s in SEARCHES[:25]:
        out.append(req("GET", "/search?q=" + up.quote(s) + "&sort=relevance", headers()))
    return out

def gen_forms():
    out = []
    for n in NAMES:
        out.append(req("POST", "/wp-login.php", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                       q({"log": n.split()[0].lower(), "pwd": random.choice(["hunter2", "P@ssw0rd!", "correct horse battery staple", "s3cr3t'pass", "a;b|c&d"]), "rememberme": "forever", "redirect_to": "https://%s/wp-admin/" % HOST})))
    for e, n in zip(EMAILS * 2, NAMES):
        out.append(req("POST", "/account/register", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                       q({"name": n, "email": e, "password": "Tr0ub4dor&3", "newsletter": "on", "next": "/account/welcome"})))
    for p in POSTS + MARKDOWN:
        out.append(req("POST", "/wp-admin/post.php", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                       q({"post_title": random.choice(["Hello world", "What's new in 2.0", "Rock 'n' roll"]), "content": p, "action": "editpost", "post_ID": random.randint(1, 999)})))
    for m in MARKDOWN + ["Thanks! That worked for me.", "I can't reproduce it on Firefox 120; could you post the steps?",
                         "Same here -- select the option, then click save; nothing happens.", "lol :) nice one",
                         "Who's coming to the meetup on Friday? I'll bring snacks & drinks."]:
        out.append(req("POST", "/forum/thread/42/reply", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                       q({"body": m, "thread": 42, "subscribe": 1})))
    for i in range(20):
        out.append(req("POST", "/contact", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                       q({"name": random.choice(NAMES), "email": random.choice(EMAILS), "subject": random.choice(["Order #%d" % (10000 + i), "Return request", "Question about sizes"]),
                          "message": random.choice(["Hi, my order hasn't arrived yet. Can you check?", "The shoes (size 42) are too small; I'd like size 43 please.",
                                                    "Where's the invoice? I need it for my company's accounting.", "Great service!! 5/5 would buy again :-)",
                                                    "Your site says \"in stock\" but checkout says otherwise...", "Call me at +1 (555) 123-4567 or +49 30 1234567."])})))
    return out

def gen_filters():
    out = []
    for i in range(40):
        d = {"category": random.choice(PRODUCTS), "color": ",".join(random.sample(["red", "blue", "green", "black", "white"], 2)),
             "size": random.choice(["S;M;L", "42,43", "XL", "10-12"]), "price": random.choice(["10-50", "0-100", "<20", ">=100"]),
             "sort": random.choice(["price_asc", "price_desc", "newest", "rating"]), "page": random.randint(1, 20)}
        if random.random() < 0.3:
            d["brand"] = random.choice(["Levi's", "Ben & Jerry's", "Dr. Martens", "L'Oréal"])
        if random.random() < 0.3:
            d["return"] = "https://%s/catalog/%s?page=%d" % (HOST, d["category"], d["page"])
        out.append(req("GET", "/catalog?" + q(d), headers()))
    for p in ["/catalog/shoes?filter[size]=42&filter[color]=red", "/api/items?fields=id,name,price&limit=50&offset=100",
              "/search?q=shoes&utm_source=newsletter&utm_medium=email&utm_campaign=nov_sale",
              "/login?next=%2Faccount%2Forders%3Fpage%3D2", "/oauth/callback?code=4%2F0AfJohXk&state=xyz123&scope=email%20profile",
              "/redirect?url=https%3A%2F%2Fshop.example.com%2Fcatalog%2Fshoes", "/track?event=click&target=buy-button&ts=1700000000123",
              "/map?lat=52.5200&lng=13.4050&zoom=12", "/calendar?date=2023-11-23&view=week", "/download?file=report-2023-q3.pdf",
              "/img?src=%2Fuploads%2F2023%2F11%2Flake.jpg&w=400&h=300", "/share?text=I+love+rock+%27n%27+roll&url=https%3A%2F%2Fshop.example.com%2F",
              "/compare?ids=12,45,78&mode=table", "/api/v1/search?q=%22running+shoes%22+-trail", "/page?title=Tom%20%26%20Jerry"]:
        out.append(req("GET", p, headers()))
    return out

def gen_json():
    out = []
    bodies = [
        {"username": "ann", "password": "s3cr3t'pass!", "remember": True},
        {"query": "O'Reilly books", "filters": {"price": {"min": 10, "max": 50}, "tags": ["tech", "programming"]}},
        {"comment": {"author": "D'Angelo", "text": "Love it <3 -- would buy again!", "rating": 5}},
        {"items": [{"sku": "SHOE-42-RED", "qty": 1}, {"sku": "SOCK-M", "qty": 3}], "coupon": "BLACKFRIDAY"},
        {"address": {"street": "1 Infinite Loop; Building 2", "city": "Cupertino", "zip": "95014"}},
        {"event": "page_view", "url": "https://shop.example.com/catalog?page=2", "referrer": "https://www.google.com/", "ts": 1700000000},
        {"markdown": "## Title\n\nSome `code` and a [link](https://shop.example.com/)."},
        {"html": "<p>Hello <b>world</b></p>"},
        {"settings": {"theme": "dark", "notifications": {"email": False, "push": True}, "language": "en-US"}},
        {"search": "select all items from winter collection", "page": 1},
        {"message": "I'll be there at 5; call me if anything changes."},
        {"code": "for i in range(10):\n    print(i)"},
        {"note": "Remember: a && b is not the same as a & b."},
        {"emails": ["ann@example.org", "bob@example.com"], "subject": "Q3 report"},
        {"geo": {"lat": 48.8566, "lng": 2.3522}, "label": "Paris, France"},
        {"file": {"name": "holiday photo.jpg", "size": 2345678, "type": "image/jpeg"}},
        {"description": "50% cotton, 50% polyester; machine wash at 30°C"},
        {"graphql": "query { product(id: 42) { name price reviews(first: 5) { text } } }"},
    ]
    for i in range(60):
        b = bodies[i % len(bodies)]
        out.append(req(random.choice(["POST", "PUT", "PATCH"]), random.choice(["/api/v1/comments", "/api/v1/cart", "/api/v2/search", "/api/events", "/graphql", "/api/v1/settings"]),
                       headers([("Content-Type", "application/json"), ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc123"), ("X-Requested-With", "XMLHttpRequest")]),
                       json.dumps(b, ensure_ascii=random.random() < 0.5)))
    return out

def gen_uploads():
    out = []
    for fn, ct, data in [("holiday photo.jpg", "image/jpeg", "JFIFbinarydata"), ("report-2023 (final).pdf", "application/pdf", "%PDF-1.7 ..."),
                         ("notes.txt", "text/plain", "Meeting notes: ship v2 on Friday; fix the login bug & update docs."),
                         ("data.csv", "text/csv", "id,name,price\n1,Shoe,19.99\n2,\"Sock, wool\",4.50"),
                         ("avatar.png", "image/png", "PNG IHDR data"), ("résumé.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK zipdata")]:
        b = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        body = "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy upload\r\n--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n%s\r\n--%s--" % (b, b, fn, ct, data, b)
        out.append(req("POST", "/upload", headers([("Content-Type", "multipart/form-data; boundary=" + b)]), body))
        out.append(req("POST", "/api/v1/files", headers([("Content-Type", "application/json")]),
                       json.dumps({"filename": fn, "contentType": ct, "size": random.randint(1000, 9000000), "tags": ["2023", "work"]})))
    return out

def gen_headers():
    out = []
    for ua in UAS:
        out.append(req("GET", "/", headers([("Upgrade-Insecure-Requests", "1"), ("Sec-Fetch-Site", "none"), ("Sec-Fetch-Mode", "navigate"),
                                             ("Sec-Fetch-Dest", "document"), ("Sec-Ch-Ua", "\"Chromium\";v=\"119\", \"Not?A_Brand\";v=\"24\""),
                                             ("Cache-Control", "max-age=0"), ("If-None-Match", "W/\"5e-1a2b3c\"")], ua=ua)))
    for i in range(10):
        out.append(req("GET", "/api/v1/orders?status=shipped&limit=20", headers([("X-Request-ID", "req-%08x" % random.getrandbits(32)), ("X-Forwarded-For", "203.0.113.%d" % i),
                                                                              ("Authorization", "Basic YW5uOnMzY3IzdA=="), ("X-Api-Key", "ak_live_%016x" % random.getrandbits(64))])))
    return out


# ---- more realistic traffic (second batch) ----
PROSE = [
    "Please select your plan before Friday", "Drop us a line if you have questions", "Meet me at Union Station at 6",
    "Order by price, then by rating", "Select all that apply", "Update: the delivery is delayed until Monday",
    "Delete my account and all my data, please", "Insert the card and wait for the beep", "Create an account to track orders",
    "I want to join the union", "Where can I find the user manual?", "Having trouble with the checkout page",
    "Group by color would be a nice filter", "Drop the price and I'll buy two", "Execute the plan as discussed",
    "The table is 120 x 80 cm; does it fold?", "Is 1=1 still true in your math class? :)", "I'm 6'2\" and need a long shirt",
    "Sold out -- again!", "Buy 2, get 1 free; offer ends Sunday", "My daughter's 'favourite' toy broke",
    "It's the \"best\" shoe I've owned", "Between you and me, the blue one is nicer", "Not null and void, the contract says",
    "Like it or not, the new logo is here", "Where is my order #10233?", "Sleep well with our memory-foam pillow",
    "Waiting for delivery since Tuesday", "Declare your customs value at checkout", "Exec summary: sales up 12%",
    "Use ls -la to list hidden files in your home folder", "Run pip install --upgrade pip if the installer fails",
    "The command `cat notes.txt` prints the file", "Type dir in the Windows prompt to see the files",
    "Press Ctrl+C to stop, then type exit", "In bash, echo $HOME shows your home directory", "Try ping 8.8.8.8 to test the connection",
    "Our cat sleeps all day; the dog barks at night", "Set the timer to 10 minutes and wait", "Find the nearest store by zip code",
    "Copy the code from the email and paste it here", "Time to upgrade? Compare plans below", "Head office: London; branch: Leeds",
    "Who am I? A developer who likes tea", "Less is more, said the designer", "Tail lights broken on my bike order",
    "Kill two birds with one stone", "Sort by newest, then filter by size 10", "Read more about our privacy policy",
    "The sum of 2 and 2 is 4", "Count me in for the workshop!", "Max 3 items per customer", "Min. order value EUR 20",
    "Mix flour, sugar & eggs; bake 25 min", "If it rains, we'll move the party inside", "Case study: how we cut costs by 30%",
    "When in doubt, ask support", "Then click Save and you're done", "Else we refund the difference",
    "Char-grilled salmon with lemon", "Concatenate the two files in Excel", "Substring matching is case-sensitive",
    "The version of the app is 4.2.1 (build 1234)", "User agreement (version 2023-11)", "Database of recipes, updated weekly",
    "Schema.org markup helps SEO", "Benchmark results: 20% faster than last year", "Sleep(ing) bag for -10°C",
    "Rock 'n' roll", "Guns N' Roses tour", "O'Brien & Sons", "Ma'am, your order is ready", "'Tis the season",
    "\"Quoted\" and 'single quoted' text", "5' 11\" tall", "The '90s were great", "Don't forget: meeting @ 3pm",
    "Price: $19.99 (was $29.99)", "Save 20% -- use code SAVE20", "Hello -- world", "A/B testing results", "50/50 chance",
    "x = y + 2", "a < b and b > c", "3 > 2 > 1", "score >= 90 means A", "a != b", "pages 10-20; chapter 3",
    "Mon-Fri 9:00-17:00", "#1 bestseller", "100% cotton", "R&D department", "M&M's peanut", "Barnes & Noble",
    "C:\\Users\\ann\\Documents\\report.docx", "~/Downloads/photo.jpg", "./configure && make", "path: /home/ann/music",
    "Or maybe not?", "And then there were none", "xor gate homework", "Select Comfort mattress", "Union Jack flag",
    "Waitfor it... the sale starts at midnight", "Please select your plan; drop us a line",
    "Great quarter; exec summary attached", "Landed; declare your items at customs", "Nice; create an account first",
    "Sorry; update your address please", "Thanks; delete my old card", "Hi; select a colour and a size", "Benchmark Electronics stock", "Drop table tennis bat", "Truncate long titles",
]
ADDRESSES = [
    "221B Baker Street, London NW1 6XE", "1600 Amphitheatre Pkwy, Mountain View, CA 94043", "Flat 3/2, 14 O'Connell St., Dublin 1",
    "Rue de l'Église 5, 1000 Bruxelles", "Hauptstraße 12 (Hinterhaus), 10115 Berlin", "PO Box 123; Suite #400", "c/o Smith & Co., 10 Downing St",
    "Apt. 5-B, 350 5th Ave, New York, NY 10118", "〒100-0001 東京都千代田区", "Calle 50 #12-34, Bogotá", "Unit 7 / 22 King's Rd, Sydney NSW 2000",
]
PASSWORDS = ["P@ssw0rd!", "Tr0ub4dor&3", "correct horse battery staple", "s3cr3t'pass", "a;b|c&d", "pa$$word", "!@#$%^&*()_+",
             "hunter2", "Summer2023!", "qwerty#123", "my\"pass\"", "x<y>z", "p@ss w/ space", "1234' 5678", "}{[]|\\:;'<>?,./"]
REAL_UAS = UAS + [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Wget/1.21.3", "PostmanRuntime/7.35.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Dalvik/2.1.0 (Linux; U; Android 12; Pixel 6 Build/SQ3A.220705.003)",
]
CMS_POSTS = [
    "<p>Our <strong>winter sale</strong> starts on <time datetime=\"2023-12-01\">Dec 1</time>.</p>",
    "<figure><img src=\"/uploads/shoe.png\" alt=\"Red shoe\" loading=\"lazy\"><figcaption>New colours</figcaption></figure>",
    "<p>Read the <a href=\"/docs/install\" title=\"Install guide\" target=\"_blank\" rel=\"noopener\">install guide</a>.</p>",
    "<ol><li>Select a size</li><li>Add to cart</li><li>Check out</li></ol>",
    "<p>Q&amp;A: <em>Can I return sale items?</em> Yes, within 30 days.</p>",
    "<h3 id=\"faq\">FAQ</h3><p>Drop us a line at <a href=\"mailto:hi@example.com\">hi@example.com</a>.</p>",
    "<p><span style=\"color:#c00;font-weight:bold\">Warning:</span> ships in 2&ndash;3 weeks.</p>",
    "<iframe-free embed>no iframes here, just text</iframe-free embed>",
    "<p>Code sample:</p><pre><code class=\"language-python\">print(\"hello\")</code></pre>",
    "<p>Union Station is 5 minutes away; select the north exit.</p>",
]
MD_POSTS = [
    "## Setup\n\n1. Clone the repo\n2. Run `npm install`\n3. Run `npm start`\n",
    "To list files: `ls -la`. To see disk usage: `du -sh *`.",
    "```bash\n# install deps\nsudo apt install build-essential\nmake && make install\n```",
    "Query I use for the monthly report:\n```sql\nSELECT region, SUM(total) FROM orders GROUP BY region ORDER BY 2 DESC;\n```",
    "In Python: `if x == 1 or y == 2: pass`",
    "The JS snippet `document.getElementById('cart').textContent` returns the cart text.",
    "| Size | EU | US |\n|---|---|---|\n| M | 40 | 7 |\n| L | 42 | 9 |",
    "> Don't panic.\n\n-- Douglas Adams",
    "Use `SELECT * FROM table LIMIT 10` to preview data in the admin console.",
    "Edit ~/.bashrc and add `export PATH=$PATH:~/bin`, then restart the terminal.",
]

def gen_prose():
    out = []
    for t in PROSE:
        out.append(req("GET", "/search?" + q({"q": t}), headers()))
        out.append(req("POST", "/forum/thread/7/reply", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                       q({"body": t, "thread": 7})))
        out.append(req("POST", "/api/v1/reviews", headers([("Content-Type", "application/json")]),
                       json.dumps({"product": random.randint(1, 9999), "rating": random.randint(1, 5), "text": t})))
    return out

def gen_cms():
    out = []
    for p in CMS_POSTS + MD_POSTS:
        for title in ["What's new", "Release \"2.0\"", "Tips & tricks"]:
            out.append(req("POST", "/wp-admin/post.php", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                           q({"post_title": title, "content": p, "action": "editpost", "post_ID": random.randint(1, 999)})))
        out.append(req("POST", "/api/v1/posts", headers([("Content-Type", "application/json")]),
                       json.dumps({"title": "Draft", "body": p, "tags": ["news"], "published": False})))
    return out

def gen_accounts():
    out = []
    for i, pw in enumerate(PASSWORDS):
        for user in ["ann", "j.picard", "d'angelo", "zoë"]:
            out.append(req("POST", "/login", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                           q({"username": user, "password": pw, "csrf": "%032x" % random.getrandbits(128)})))
        out.append(req("POST", "/api/v1/auth/login", headers([("Content-Type", "application/json")]),
                       json.dumps({"email": random.choice(EMAILS), "password": pw})))
    for a in ADDRESSES:
        for n in NAMES[:4]:
            out.append(req("POST", "/checkout/address", headers([("Content-Type", "application/x-www-form-urlencoded")]),
                           q({"name": n, "address": a, "phone": "+44 (0)20 7946 0%03d" % random.randint(0, 999), "notes": random.choice(["", "Leave at the door; the dog's friendly", "Ring twice -- bell is broken", "Gate code: #1234*"])})))
    return out

def gen_api():
    out = []
    for i in range(150):
        kind = i % 6
        if kind == 0:
            uri = "/api/v2/products?" + q({"filter": random.choice(["price<50", "brand=Levi's", "color in (red,blue)", "size>=42"]), "sort": random.choice(["-price", "name", "created_at desc"]), "limit": 20})
            out.append(req("GET", uri, headers([("Accept", "application/json")], ua=random.choice(REAL_UAS))))
        elif kind == 1:
            out.append(req("POST", "/graphql", headers([("Content-Type", "application/json")], ua=random.choice(REAL_UAS)),
                           json.dumps({"query": "query($id: ID!) { order(id: $id) { id status items { sku qty } } }", "variables": {"id": str(1000 + i)}})))
        elif kind == 2:
            out.append(req("PATCH", "/api/v1/users/%d" % i, headers([("Content-Type", "application/json")]),
                           json.dumps({"bio": random.choice(PROSE), "website": "https://example.org/~user%d" % i, "timezone": "America/New_York"})))
        elif kind == 3:
            out.append(req("GET", "/api/v1/search?" + q({"q": random.choice(PROSE + SEARCHES), "lang": random.choice(["en", "de", "fr"])}),
                           headers(ua=random.choice(REAL_UAS))))
        elif kind == 4:
            out.append(req("POST", "/api/v1/events", headers([("Content-Type", "application/json")]),
                           json.dumps({"type": "click", "selector": "#buy-button > span.label", "path": "/product/%d" % i, "ts": 1700000000 + i})))
        else:
            out.append(req("GET", "/api/v1/files/%d/metadata" % i, headers([("X-Filename", random.choice(["holiday photo.jpg", "report (final).pdf", "notes_v2.txt", "Q3 results.xlsx"]))])))
    return out

def write(name, reqs):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("%%\n".join(reqs))

os.makedirs(OUT, exist_ok=True)
write("browse.txt", gen_browse())
write("forms.txt", gen_forms())
write("filters.txt", gen_filters())
write("json.txt", gen_json())
write("uploads.txt", gen_uploads())
write("headers.txt", gen_headers())
write("prose.txt", gen_prose())
write("cms.txt", gen_cms())
write("accounts.txt", gen_accounts())
write("api.txt", gen_api())
