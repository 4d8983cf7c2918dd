#!/usr/bin/env python3
"""Writes the demo corpus: data/demo.csv (480 rows) and data/demo_test.csv
(160 rows), four labels (sports, weather, food, tech), 120 and 40 rows each.

    python3 scripts/gen_demo.py            (from the repository root)

Every sentence is composed here from hand-written templates and word lists,
one set per topic and language: mostly English, some Chinese (written without
spaces), French, Spanish and German.  Topics share vocabulary on purpose
(rain stops a match, a laptop runs hot, soup on a cold day, a weather app) so
a bag-of-words model has something to learn but no single word decides.
Standard library only; a fixed seed makes the output byte-identical on every
run.  Output: header `label,text`, RFC 4180 quoting, UTF-8, LF line ends.
"""
import csv
import os
import random
import string

SEED = 20240611
LABELS = ["sports", "weather", "food", "tech"]
# rows per label and language: (train, test)
QUOTA = {"en": (84, 28), "zh": (15, 5), "fr": (7, 3), "es": (7, 2), "de": (7, 2)}

# ---- vocabulary shared by every topic ----------------------------------------

SHARED = {
    "en": {
        "city": ["Boston", "Lyon", "Madrid", "Berlin", "Osaka", "Nairobi", "São Paulo",
                 "Montréal", "Zürich", "Leeds", "Kraków", "Dublin", "Austin", "Porto"],
        "time": ["today", "this morning", "last night", "on Sunday", "yesterday",
                 "yesterday afternoon", "on Friday evening"],
        "when": ["tonight", "this weekend", "tomorrow", "on Sunday", "later today",
                 "on Friday evening", "tomorrow morning"],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "month": ["June", "July", "August", "January", "March", "October", "November"],
        "who": ["my neighbours", "the kids", "everyone at work", "my brother", "my parents",
                "half the office", "my flatmate", "people downtown"],
        "temp": ["18", "22", "25", "28", "31", "34", "36", "39"],
        "n": ["two", "three", "four", "five", "six", "ten"],
    },
    "zh": {
        "city": ["北京", "上海", "成都", "杭州", "广州", "深圳", "武汉", "西安", "重庆"],
        "time": ["今天", "昨晚", "上周末", "今天下午", "周日"],
        "when": ["明天", "今晚", "这周末", "周五", "明天上午"],
        "temp": ["28", "31", "33", "35", "37", "39"],
    },
    "fr": {
        "city": ["Lyon", "Marseille", "Nantes", "Genève", "Québec", "Bordeaux", "Lille"],
        "time": ["hier soir", "dimanche dernier", "ce matin", "hier"],
        "when": ["demain", "dimanche", "ce week-end", "samedi prochain"],
        "temp": ["24", "28", "31", "35", "38"],
    },
    "es": {
        "city": ["Sevilla", "Málaga", "Bogotá", "Valencia", "Córdoba", "Bilbao", "Mérida"],
        "time": ["anoche", "el sábado", "el domingo", "ayer"],
        "when": ["mañana", "el domingo", "este fin de semana", "el sábado"],
        "temp": ["24", "29", "33", "37", "41"],
    },
    "de": {
        "city": ["München", "Köln", "Düsseldorf", "Zürich", "Göttingen", "Lübeck", "Graz"],
        "time": ["heute früh", "gestern Abend", "am Sonntag", "gestern"],
        "when": ["morgen", "am Sonntag", "am Wochenende", "morgen früh"],
        "temp": ["24", "28", "31", "35", "38"],
    },
}

# ---- per topic: templates and word lists, by language ------------------------

SPORTS = {
    "en": {
        "t": [
            "{team} beat {team2} {score} in a tense {sport} match {time}.",
            "The {sport} final in {city} went to extra time before {team} finally won it.",
            "{player} scored twice as {team} came back from a goal down.",
            "The coach says the squad needs more training before the {event}.",
            "Rain delayed the {sport} game in {city} for almost an hour.",
            "Ticket prices for the {event} have doubled, and fans are not happy.",
            "Who do you think will win the {event} this year?",
            "{player} broke the {record} record at the {event} {time}!",
            "Our {sport} club is looking for new players, training is on {day}s.",
            "The referee sent off two players in the second half of the {sport} game.",
            "Watched the {sport} match on a stream with {who} {time}, what a finish!",
            "The stadium food was awful, but the {sport} was brilliant.",
            "The marathon route passes through {city} and closes many streets {when}.",
            "{team} signed a new {position} for a record fee.",
            "Injury news: {player} will miss the next {n} games with a knee problem.",
            "\"We played well, but not well enough,\" said the coach after the {score} loss.",
            "{player} on the {score} win: \"The fans carried us, honestly.\"",
            "{player} won the {sport} tournament in {city} without dropping a set.",
            "Fans of {team} sang for ninety minutes in the freezing cold.",
            "Is it worth buying a season ticket for {team}?",
            "The {sport} season starts {when}, and {team} look stronger than last year.",
            "{team} lost at home again; the manager could be gone by {day}.",
            "The heat made the {race} brutal, several runners needed water and shade.",
            "Highlights: {player} with a late winner, {team} {score} {team2}.",
            "My kids play {sport} every {day} at the park near our school.",
            "{player} retires after fourteen seasons and more than 300 games.",
            "The goalkeeper saved a penalty in the last minute to keep a clean sheet.",
        ],
        "u": [
            "Can {team} really afford to lose {player} before the {event}?",
            "{n} thousand people watched {player} lift the trophy in {city}.",
            "Final score {score}, and {team2} were lucky to get anything.",
            "Coffee, stretching, then {sport} practice: {player}'s morning routine.",
            "The {sport} league will use video replays from next season.",
            "Warm-up cancelled because of the storm, but the {event} will go ahead.",
        ],
        "sport": ["football", "basketball", "tennis", "rugby", "cricket", "hockey",
                  "volleyball", "baseball", "handball"],
        "team": ["the Tigers", "Northside FC", "the Comets", "Harbour City", "the Eagles",
                 "United", "the Falcons", "Riverside Athletic", "the Sharks", "the Rovers"],
        "player": ["Marta Silva", "Jonas Berg", "Kenji Sato", "Amara Okafor", "Luca Rossi",
                   "Chloé Martin", "José Ortega", "Nina Kowalski", "Ade Bello", "Sven Lund"],
        "score": ["2-1", "3-0", "1-0", "4-2", "98-95", "3-3", "27-24"],
        "event": ["cup final", "Olympics", "derby", "world championship", "Grand Slam",
                  "city marathon", "league final", "relay race"],
        "race": ["city marathon", "half marathon", "10 km race", "trail race"],
        "record": ["100 m", "national", "club", "world", "season"],
        "position": ["striker", "goalkeeper", "point guard", "defender", "winger"],
    },
    "zh": {
        "t": [
            "{team}{time}以{score}战胜了{team2}，球迷非常兴奋。",
            "{city}马拉松{when}举行，多条道路将临时封闭。",
            "{player}在比赛中打进两球，帮助{team}逆转取胜。",
            "因为下雨，{city}的{sport}比赛推迟了一个小时。",
            "这个赛季的{sport}联赛竞争非常激烈，{team}排名第一。",
            "教练说{team}需要更多训练才能赢得{event}。",
            "{time}和朋友一起看{sport}直播，最后一分钟绝杀！",
            "{player}打破了{event}的全国纪录。",
            "{team}主场又输了，球迷们很失望。",
        ],
        "u": [
            "{player}{time}拿到了{sport}冠军。",
            "{team}的新教练第一场比赛就赢了。",
        ],
        "sport": ["足球", "篮球", "网球", "乒乓球", "排球", "羽毛球"],
        "team": ["北京队", "上海队", "广州队", "红星队", "猛虎队", "蓝鲸队"],
        "player": ["王磊", "李娜娜", "张一鸣", "陈小雨", "刘强"],
        "score": ["2比1", "3比0", "1比0", "98比95", "4比2"],
        "event": ["冠军杯", "全运会", "决赛", "亚洲杯", "城市联赛"],
    },
    "fr": {
        "t": [
            "{team} a battu {team2} {score} lors d'un match très serré.",
            "Le marathon de {city} aura lieu {when}, plusieurs rues seront fermées.",
            "L'entraîneur de {team} a déclaré : « Nous devons rester concentrés. »",
            "Quel match ! {player} a marqué à la dernière minute.",
            "La finale de {sport} a été reportée à cause de la pluie.",
            "{player} a gagné le tournoi de {sport} à {city} sans perdre un set.",
        ],
        "sport": ["football", "tennis", "rugby", "handball", "basket"],
        "team": ["l'Olympique de Valmont", "l'Union Saint-Pierre", "l'équipe de Nantes", "l'AS Étoile"],
        "player": ["Chloé Martin", "Hugo Lefèvre", "Inès Moreau", "Théo Girard"],
        "score": ["2-1", "3-0", "1-0", "24-18"],
    },
    "es": {
        "t": [
            "{team} ganó {score} en un partido muy reñido {time}.",
            "El maratón de {city} será {when}; habrá calles cortadas.",
            "¡Qué golazo de {player} en el último minuto!",
            "El entrenador dijo que {team} necesita más entrenamiento.",
            "Suspendieron el partido de {sport} en {city} por la lluvia.",
            "{player} ganó el torneo de {sport} sin perder un set.",
        ],
        "sport": ["fútbol", "baloncesto", "tenis", "balonmano", "pádel"],
        "team": ["el Atlético Norte", "el Club Olivar", "el Deportivo Sur", "la selección"],
        "player": ["José Ortega", "Lucía Peña", "Andrés Muñoz", "Sofía Ibáñez"],
        "score": ["2-1", "3-0", "1-0", "88-80"],
    },
    "de": {
        "t": [
            "{team} hat das Spiel gegen {team2} mit {score} gewonnen.",
            "Der Marathon in {city} findet {when} statt, viele Straßen sind gesperrt.",
            "Der Trainer sagt, {team} muss mehr üben.",
            "Was für ein Tor von {player} in der letzten Minute!",
            "Wegen Regen wurde das {sport}spiel in {city} verschoben.",
            "{player} gewinnt das {sport}turnier ohne Satzverlust.",
        ],
        "sport": ["Fußball", "Tennis", "Handball", "Basketball", "Eishockey"],
        "team": ["Eintracht Nordheim", "Fortuna Waldau", "Grün-Weiß Lübeck", "SV Bergdorf"],
        "player": ["Jonas Berg", "Lena Schäfer", "Jürgen Böhm", "Mia Krüger"],
        "score": ["2:1", "3:0", "1:0", "28:25"],
    },
}

WEATHER = {
    "en": {
        "t": [
            "Heavy rain is expected in {city} {when}, with up to {mm} mm by evening.",
            "The forecast for {day}: {sky} skies and a high of {temp} degrees.",
            "A storm warning is in place for the coast until {day} morning.",
            "It is so hot in {city} that the parks are full of people looking for shade.",
            "Snow closed the roads north of {city}, and schools stayed shut {time}.",
            "Strong winds knocked down trees overnight; power is out in parts of {city}.",
            "Temperatures will drop below zero {when}, so bring a warm coat.",
            "Fog at the airport in {city} delayed several flights {time}.",
            "After a dry {month}, farmers around {city} are hoping for rain.",
            "{city} recorded its hottest {month} day on record, {temp} degrees in the shade.",
            "Is it going to rain for the match on {day}?",
            "Perfect weather for a barbecue: sunny, {temp} degrees, a light breeze.",
            "The cloud cover should clear by the afternoon, then {sky} skies.",
            "Humidity is high {when}; it feels like {temp} degrees even at night.",
            "A heatwave, then thunderstorms, then hail: a typical {month} in {city}.",
            "Pollen levels are high {when}, so allergy sufferers should take care.",
            "The app says {pct}% chance of showers {when}, I'm taking an umbrella.",
            "\"Pack a raincoat, a hat, and sunscreen,\" says the forecaster for {day}.",
            "Locals call it \"the big freeze\", and {city} is shut down again.",
            "Flood warnings along the river after {n} days of rain in {city}.",
            "A cold front moves in from the west {when}, with gusts up to {kmh} km/h.",
            "Clear, frosty nights this week, and {sky} afternoons around {temp} degrees.",
            "The first frost of the year hit {city} {time}, cover your plants.",
            "{who} got soaked in a sudden downpour {time}.",
            "Drought: {city} limits watering gardens until it rains again.",
            "Sunrise at 5:40, sunset at 21:10, and {sky} skies all day on {day}.",
            "Black ice on the motorway {time}; drive slowly and keep your distance.",
        ],
        "u": [
            "Forecasters expect {sky} skies over {city} with highs near {temp} degrees.",
            "Wind chill makes it feel like minus ten {when}.",
            "Thunder woke up {who} at 3 a.m. last night.",
            "Hot and sticky again {when}; drink plenty of water.",
            "The lake near {city} froze for the first time in {n} years.",
            "Bring sunglasses: {sky} and {temp} degrees for the game on {day}.",
        ],
        "sky": ["clear", "sunny", "cloudy", "grey", "overcast", "blue", "partly cloudy"],
        "mm": ["20", "35", "50", "80"],
        "pct": ["40", "60", "70", "90"],
        "kmh": ["60", "80", "100", "120"],
    },
    "zh": {
        "t": [
            "{city}明天有{rain}，出门记得带伞。",
            "{time}{city}最高气温{temp}度，天气非常炎热。",
            "寒潮来袭，{city}气温将下降十度左右。",
            "台风预计{when}登陆，沿海地区注意防范。",
            "{city}{time}空气质量良好，适合户外活动。",
            "大雾导致{city}机场多个航班延误。",
            "天气预报说{when}{city}会下雪。",
            "夏天太热了，{city}晚上也有{temp}度。",
            "{city}连续{rain}，河水上涨。",
        ],
        "u": [
            "{when}{city}有{rain}，气温明显下降。",
            "今年冬天{city}特别冷，已经下了三场雪。",
        ],
        "rain": ["大雨", "暴雨", "小雨", "雷阵雨", "阵雨"],
    },
    "fr": {
        "t": [
            "Il va pleuvoir toute la journée à {city}, prenez un parapluie.",
            "Météo : ciel dégagé et {temp} degrés {when}.",
            "Alerte orage sur la côte près de {city} jusqu'à demain matin.",
            "Il fait très chaud à {city}, les températures dépassent {temp} degrés.",
            "La neige a bloqué les routes près de {city}.",
            "Du brouillard et du verglas à {city} {time}, prudence sur la route.",
        ],
    },
    "es": {
        "t": [
            "Mañana lloverá en {city}, no olvides el paraguas.",
            "Ola de calor: se esperan {temp} grados {when}.",
            "Aviso por tormentas en la costa de {city} hasta el jueves.",
            "Hace mucho frío por la mañana en {city}, abríguense bien.",
            "La niebla retrasó varios vuelos en el aeropuerto {time}.",
            "Cielo despejado y {temp} grados en {city} {when}.",
        ],
    },
    "de": {
        "t": [
            "Morgen regnet es in {city} den ganzen Tag, nimm einen Schirm mit.",
            "Die Wettervorhersage: sonnig und {temp} Grad {when}.",
            "Sturmwarnung für die Küste bis Donnerstag früh.",
            "Es ist so heiß in {city}, dass die Freibäder überfüllt sind.",
            "Glatteis und Schnee in {city}: Vorsicht auf den Straßen!",
            "Nebel und Frost {when}, erst mittags wird es freundlicher.",
        ],
    },
}

FOOD = {
    "en": {
        "t": [
            "This {dish} recipe needs {ingr}, {ingr2}, and a pinch of salt.",
            "Bake the {baked} at {oven} degrees for {mins} minutes until golden.",
            "The new {cuisine} restaurant in {city} serves the best {dish} I have had.",
            "Slice the {veg} thinly and fry it in olive oil with garlic.",
            "We had {dish} for dinner last night and the kids loved it.",
            "Is {ingr} a good substitute for eggs in {baked}?",
            "The chef at the {cuisine} place near the station opened a second kitchen.",
            "Hot soup is exactly what you need on a cold, rainy day.",
            "Fans queued for an hour for burgers at the stadium {time}.",
            "I ordered {dish} through a delivery app and it arrived cold.",
            "Let the dough rest overnight, then knead it again in the morning.",
            "Fresh {fruit} from the market, blended with yoghurt: a great breakfast smoothie.",
            "Grandma's {dish} recipe: simmer slowly for {mins} minutes, stirring now and then.",
            "That {cuisine} street food stall has the longest queue in {city}.",
            "Add the {spice} at the end, otherwise it turns bitter.",
            "\"Less sugar, more lemon,\" says the baker about her famous {baked}.",
            "The menu calls it \"{cuisine} fusion,\" but it is just {dish} with cheese.",
            "Our team at work ordered {n} pizzas to celebrate the launch.",
            "Roast the {veg} with {spice} and honey, then serve it with rice.",
            "Any tips for making {baked}? Mine always turn out too dry.",
            "The {cuisine} bakery in {city} sells out of {baked} by nine.",
            "Cold noodles with sesame and cucumber are perfect in the summer heat.",
            "Marinate the chicken in yoghurt, lemon and {spice} for {n} hours.",
            "{who} made {dish} from scratch on {day}; it took all afternoon.",
            "Picnic menu: {fruit}, cheese, bread, and lemonade.",
            "Leftover {dish}? Even better the next day, cold from the fridge.",
            "Whisk {n} eggs with milk, pour into a hot pan, and stir gently.",
        ],
        "u": [
            "Which {cuisine} dish should I cook for {n} guests?",
            "The secret to good {dish} is patience and plenty of {spice}.",
            "Breakfast idea: {fruit} on toast with a little honey.",
            "The {veg} and {ingr} soup took twenty minutes, start to finish.",
            "My {baked} fell flat; maybe the oven was not hot enough.",
            "Tasting menu in {city}: {n} courses, each better than the last.",
        ],
        "dish": ["lasagna", "ramen", "curry", "paella", "chili", "risotto", "dumplings",
                 "tomato soup", "pad thai", "goulash", "tacos", "pancakes"],
        "ingr": ["olive oil", "coconut milk", "yoghurt", "chickpeas", "ginger", "garlic",
                 "butter", "cream", "lentils", "fresh basil", "soy sauce"],
        "baked": ["banana bread", "sourdough", "apple pie", "croissants", "brownies",
                  "cheesecake", "focaccia", "cookies"],
        "oven": ["160", "180", "200", "220"],
        "mins": ["12", "20", "25", "35", "45", "90"],
        "cuisine": ["Thai", "Italian", "Mexican", "Ethiopian", "Korean", "Lebanese",
                    "Japanese", "Peruvian"],
        "veg": ["aubergine", "courgette", "onion", "cabbage", "potatoes", "carrots",
                "peppers", "mushrooms"],
        "fruit": ["strawberries", "mango", "peaches", "blueberries", "bananas", "cherries"],
        "spice": ["cumin", "paprika", "cinnamon", "fresh herbs", "chilli flakes", "turmeric"],
    },
    "zh": {
        "t": [
            "这家{city}的{cuisine}餐厅的{dish}特别好吃。",
            "做{dish}需要{ingr}、{ingr2}和一点盐。",
            "天冷的时候喝一碗热汤最舒服。",
            "把{veg}切成小块，用大火炒三分钟。",
            "{time}在家包饺子，全家人一起动手。",
            "外卖软件上点的{dish}送到时已经凉了。",
            "奶奶做的{dish}是我最喜欢的味道。",
            "{city}这家面包店的蛋糕每天早上都卖光。",
            "{time}去{city}夜市吃了{dish}和烤串。",
        ],
        "u": [
            "妈妈教我做{dish}，要先放{ingr}。",
            "{city}的{cuisine}很地道，价格也不贵。",
        ],
        "dish": ["红烧肉", "麻婆豆腐", "牛肉面", "小笼包", "宫保鸡丁", "西红柿炒鸡蛋", "酸辣粉"],
        "ingr": ["鸡蛋", "豆腐", "葱", "姜", "大蒜", "酱油", "米饭", "花椒"],
        "veg": ["土豆", "白菜", "茄子", "青椒", "胡萝卜"],
        "cuisine": ["川菜", "粤菜", "湘菜", "东北菜"],
    },
    "fr": {
        "t": [
            "Cette recette de crêpes demande du beurre, des œufs et du sucre.",
            "Le nouveau restaurant de {city} sert un plat délicieux : {dish}.",
            "Faites cuire le gâteau au four pendant {mins} minutes.",
            "Une soupe chaude, c'est parfait quand il fait froid.",
            "Le marché de {city} a des fraises délicieuses ce samedi.",
            "On a mangé {dish} chez ma grand-mère {time}, un régal !",
        ],
        "dish": ["une quiche lorraine", "un bœuf bourguignon", "une crème brûlée",
                 "une ratatouille", "des crêpes"],
        "mins": ["20", "35", "45"],
    },
    "es": {
        "t": [
            "Para la paella necesitas arroz, azafrán, pimientos y caldo.",
            "Este restaurante de {city} prepara unas tapas increíbles.",
            "Hornea el pan a {oven} grados durante {mins} minutos.",
            "Una sopa caliente es lo mejor cuando hace frío.",
            "Compré fresas y limones en el mercado {time}.",
            "Cenamos {dish} en casa de mi abuela {time}, ¡riquísimo!",
        ],
        "dish": ["tortilla de patatas", "gazpacho", "croquetas", "churros con chocolate",
                 "arepas"],
        "oven": ["180", "200", "220"],
        "mins": ["25", "30", "40"],
    },
    "de": {
        "t": [
            "Für den Apfelkuchen braucht man Äpfel, Zucker, Butter und Mehl.",
            "Das neue Restaurant in {city} kocht hervorragende {dish}.",
            "Backe das Brot bei {oven} Grad etwa {mins} Minuten.",
            "Eine heiße Suppe ist genau richtig, wenn es draußen kalt ist.",
            "Auf dem Wochenmarkt in {city} gibt es {when} frische Erdbeeren.",
            "Bei Oma gab es {time} {dish}, einfach köstlich!",
        ],
        "dish": ["Spätzle", "Knödel", "Maultaschen", "Bratkartoffeln", "Käsespätzle"],
        "oven": ["180", "200", "230"],
        "mins": ["40", "50", "60"],
    },
}

TECH = {
    "en": {
        "t": [
            "The new {device} has a faster chip and a bigger battery.",
            "Update your {software} now; the patch fixes a serious security bug.",
            "Our {service} went down for {n} hours after a server failure.",
            "{company} announced a {device} with {feature} at its event {time}.",
            "How do I move my photos from the old {device} to the cloud?",
            "The {lang} library now supports {feature}, see the release notes.",
            "A data breach at {company} exposed millions of passwords.",
            "The streaming app crashes every time I open it on my {device}.",
            "Developers in {city} are building a startup around {feature}.",
            "Battery life on the {device} is great, but the screen scratches easily.",
            "The open source project reached version {ver} after {n} years of work.",
            "This laptop runs hot when I play games for more than an hour.",
            "Is {feature} worth the extra money on a cheap {device}?",
            "The weather app on my phone keeps showing the wrong city.",
            "The robot vacuum mapped the whole flat in ten minutes.",
            "Tip: restart the router, clear the cache, and try again.",
            "{company}'s AI model can now translate speech in real time.",
            "\"It just works, mostly,\" says the review of the new {device}.",
            "The error says \"disk full\", but the {device} has 40 GB free.",
            "Rewrote the parser in {lang} {time} and it is {n} times faster.",
            "{who} still can't set up the {device}; the manual is useless.",
            "{company} is training a new model on a cluster of {n} thousand GPUs.",
            "The {software} keeps asking me to log in again after every update.",
            "Smart thermostat review: it learns your schedule, but the app is slow.",
            "{company} will stop selling the old {device} in {month}.",
            "The conference in {city} is all about {feature} this year.",
            "My {device} froze during the video call, so I had to reboot it.",
        ],
        "u": [
            "Why does my {device} lose battery so fast overnight?",
            "{company} open-sourced its {lang} toolkit for {feature}.",
            "The new chip doubles the speed of the {device}, but it costs more.",
            "Password leak: change your login for the {service} now.",
            "Engineers fixed the outage at {company} by rolling back the update.",
            "Gadget review: the {device} is fine, the software is not.",
        ],
        "device": ["phone", "tablet", "laptop", "smartwatch", "games console", "VR headset",
                   "smart speaker", "camera"],
        "software": ["browser", "operating system", "password manager", "photo editor",
                     "banking app", "messaging app"],
        "service": ["email service", "video platform", "cloud storage", "online shop",
                    "payment system", "school portal"],
        "company": ["Nordlight", "Quantix", "Bluepeak", "Orbis Labs", "Pixelwave", "Kestrel"],
        "feature": ["5G", "face unlock", "end-to-end encryption", "offline maps",
                    "voice control", "USB-C charging", "a foldable screen"],
        "lang": ["Rust", "Python", "Go", "C", "JavaScript", "Kotlin"],
        "ver": ["2.0", "3.1", "1.0", "4.2", "10"],
    },
    "zh": {
        "t": [
            "{company}{time}发布了新款{device}，电池续航更长。",
            "请尽快更新{software}，新版本修复了安全漏洞。",
            "服务器故障导致{service}中断了两个小时。",
            "这款{device}玩游戏的时候发热很严重。",
            "{company}的人工智能可以实时翻译语音了。",
            "我的手机天气应用总是显示错误的城市。",
            "{city}的创业公司正在开发新的芯片。",
            "{device}升级系统以后反而变慢了。",
            "{company}的{service}用户数据被泄露。",
        ],
        "u": [
            "{company}的新{device}用了自己设计的芯片。",
            "{software}又崩溃了，只好重启电脑。",
        ],
        "device": ["手机", "笔记本电脑", "平板电脑", "智能手表", "游戏机"],
        "software": ["浏览器", "操作系统", "输入法", "聊天软件"],
        "service": ["云存储服务", "视频网站", "支付系统", "邮箱服务"],
        "company": ["星云科技", "蓝峰公司", "北辰软件", "极光网络"],
    },
    "fr": {
        "t": [
            "La nouvelle version du {software} corrige une faille de sécurité.",
            "{company} a présenté un téléphone avec une batterie plus grande.",
            "Le serveur est tombé en panne pendant deux heures {time}.",
            "Mon ordinateur portable chauffe quand je joue à des jeux vidéo.",
            "L'application météo affiche toujours la mauvaise ville.",
            "Une start-up de {city} développe une puce pour l'intelligence artificielle.",
        ],
        "software": ["navigateur", "logiciel de messagerie", "système d'exploitation"],
        "company": ["Quantix", "Bluepeak", "Orbis Labs"],
    },
    "es": {
        "t": [
            "La nueva actualización del {software} corrige un fallo de seguridad.",
            "{company} presentó un portátil más ligero y con más batería.",
            "El servidor se cayó {time} y la aplicación dejó de funcionar.",
            "¿Vale la pena comprar un teléfono con 5G?",
            "La aplicación del tiempo muestra la ciudad equivocada.",
            "Una empresa de {city} diseña robots para almacenes.",
        ],
        "software": ["navegador", "sistema operativo", "gestor de contraseñas"],
        "company": ["Quantix", "Pixelwave", "Kestrel"],
    },
    "de": {
        "t": [
            "Das neue Update für den {software} schließt eine gefährliche Sicherheitslücke.",
            "{company} stellt ein Smartphone mit größerem Akku vor.",
            "Der Server ist {time} ausgefallen, die App funktioniert nicht.",
            "Mein Laptop wird beim Spielen sehr heiß.",
            "Die Wetter-App zeigt immer die falsche Stadt an.",
            "Ein Start-up aus {city} entwickelt Chips für künstliche Intelligenz.",
        ],
        "software": ["Browser", "Passwort-Manager", "Mailclient"],
        "company": ["Nordlight", "Kestrel", "Pixelwave"],
    },
}

TOPICS = {"sports": SPORTS, "weather": WEATHER, "food": FOOD, "tech": TECH}

# Decorations: a few rows end in an emoji (a topic one or a generic one) or
# more excited punctuation.
EMOJI = {"sports": ["⚽", "🏀", "🏆", "🎾"], "weather": ["☔", "🌧️", "☀️", "❄️"],
         "food": ["🍜", "🍕", "🍰", "🥗"], "tech": ["💻", "📱", "🤖", "🔋"]}
GENERIC_EMOJI = ["😀", "🙄", "👍", "😅", "🔥", "❤️"]
EN_PREFIX = ["Breaking: ", "Update: ", "PSA: ", "News: ", "Re: "]


def fill(template, words, rng):
    """Fills each {slot} of the template; slots with the same base name
    (team, team2) get different words."""
    used = {}
    values = {}
    for _, field, _, _ in string.Formatter().parse(template):
        if field is None or field in values:
            continue
        base = field.rstrip("0123456789")
        choices = [w for w in words[base] if w not in used.get(base, [])]
        values[field] = rng.choice(choices)
        used.setdefault(base, []).append(values[field])
    text = template.format(**values)
    return text[0].upper() + text[1:]


def decorate(text, label, lang, rng):
    space = "" if lang == "zh" else " "  # Chinese is written without spaces
    r = rng.random()
    if r < 0.06:
        text += space + rng.choice(EMOJI[label])
    elif r < 0.10:
        text += space + rng.choice(GENERIC_EMOJI)
    elif r < 0.13 and text.endswith("."):
        text = text[:-1] + rng.choice(["!", "!!", "...", "?!"])
    if lang == "en" and ":" not in text and rng.random() < 0.06:
        text = rng.choice(EN_PREFIX) + text
    return text


def sentences(label, lang, templates, count, taken, rng):
    """count sentences for one label and language, none of them in taken
    (a dict used as an ordered set, updated)."""
    spec = TOPICS[label][lang]
    words = dict(SHARED[lang])
    words.update({k: v for k, v in spec.items() if k not in ("t", "u")})
    out = []
    tries = 0
    while len(out) < count:
        tries += 1
        if tries > 100 * count:
            raise SystemExit("gen_demo: not enough distinct %s/%s sentences" % (label, lang))
        text = decorate(fill(rng.choice(templates), words, rng), label, lang, rng)
        if text not in taken:
            taken[text] = True
            out.append(text)
    return out


def build(rng):
    """Training rows use the "t" templates only; test rows also use the
    held-out "u" templates, so part of the test set has sentence shapes the
    model never saw.  No test sentence is also a training sentence."""
    train, test = [], []
    taken = {}
    for label in LABELS:
        for lang, (ntrain, ntest) in QUOTA.items():
            spec = TOPICS[label][lang]
            rows = sentences(label, lang, spec["t"], ntrain, taken, rng)
            train += [(label, t) for t in rows]
            rows = sentences(label, lang, spec["t"] + spec.get("u", []), ntest, taken, rng)
            test += [(label, t) for t in rows]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["label", "text"])
        w.writerows(rows)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    train, test = build(random.Random(SEED))
    write(os.path.join(root, "data", "demo.csv"), train)
    write(os.path.join(root, "data", "demo_test.csv"), test)
    print("gen_demo: wrote data/demo.csv (%d rows) and data/demo_test.csv (%d rows)"
          % (len(train), len(test)))


if __name__ == "__main__":
    main()
