"""The demo catalogue: stations around Shanghai, snacks and drinks, drivers, ads."""
from __future__ import annotations

# name, address, lat, lng (WGS-84, real districts of Shanghai)
STATIONS = [
    ("人民广场补给站 People's Square", "黄浦区西藏中路 268 号", 31.2323, 121.4737),
    ("陆家嘴补给站 Lujiazui", "浦东新区陆家嘴环路 1000 号", 31.2397, 121.4998),
    ("静安寺补给站 Jing'an Temple", "静安区南京西路 1686 号", 31.2235, 121.4459),
    ("徐家汇补给站 Xujiahui", "徐汇区漕溪北路 88 号", 31.1941, 121.4374),
    ("虹桥枢纽补给站 Hongqiao Hub", "闵行区申贵路 1500 号", 31.1943, 121.3210),
    ("五角场补给站 Wujiaochang", "杨浦区淞沪路 8 号", 31.2990, 121.5140),
    ("中山公园补给站 Zhongshan Park", "长宁区长宁路 1018 号", 31.2196, 121.4183),
    ("世纪公园补给站 Century Park", "浦东新区锦绣路 1001 号", 31.2149, 121.5514),
    ("莘庄补给站 Xinzhuang", "闵行区沁春路 188 号", 31.1114, 121.3857),
    ("浦东机场补给站 Pudong Airport", "浦东新区启航路 900 号", 31.1505, 121.8030),
    ("七宝补给站 Qibao", "闵行区七莘路 3655 号", 31.1580, 121.3545),
    ("外高桥补给站 Waigaoqiao", "浦东新区洲海路 999 号", 31.3551, 121.5915),
]

# sku, name, category, retail fen, supply fen
PRODUCTS = [
    ("COLA-330", "可口可乐 Coca-Cola 330ml", "drinks", 350, 210),
    ("SPRITE-330", "雪碧 Sprite 330ml", "drinks", 350, 210),
    ("FANTA-330", "芬达 Fanta Orange 330ml", "drinks", 350, 210),
    ("PEPSI-330", "百事可乐 Pepsi 330ml", "drinks", 350, 200),
    ("WATER-550", "农夫山泉 Nongfu Spring 550ml", "drinks", 200, 90),
    ("WATER-380", "怡宝 C'estbon 380ml", "drinks", 150, 70),
    ("TEA-GREEN-500", "康师傅绿茶 Green Tea 500ml", "drinks", 300, 170),
    ("TEA-ICE-500", "康师傅冰红茶 Iced Black Tea 500ml", "drinks", 300, 170),
    ("TEA-OOLONG-500", "三得利乌龙茶 Suntory Oolong 500ml", "drinks", 500, 300),
    ("COFFEE-NESCAFE", "雀巢咖啡 Nescafé Latte 268ml", "drinks", 600, 380),
    ("COFFEE-STAR", "星巴克星冰乐 Frappuccino 281ml", "drinks", 1200, 800),
    ("REDBULL-250", "红牛 Red Bull 250ml", "drinks", 650, 430),
    ("DONGPENG-500", "东鹏特饮 Dongpeng 500ml", "drinks", 500, 320),
    ("YAKULT-5", "养乐多 Yakult 5-pack", "drinks", 1000, 700),
    ("MILK-AD-220", "AD钙奶 AD Calcium Milk 220g", "drinks", 350, 200),
    ("JUICE-OJ-450", "美汁源果粒橙 Minute Maid 450ml", "drinks", 450, 270),
    ("SODA-GENKI", "元气森林 Genki Forest 480ml", "drinks", 550, 340),
    ("CHIPS-LAYS", "乐事薯片 Lay's Original 70g", "snacks", 750, 480),
    ("CHIPS-PRINGLES", "品客薯片 Pringles 110g", "snacks", 1100, 720),
    ("OREO-97", "奥利奥 Oreo 97g", "snacks", 800, 520),
    ("SNICKERS-51", "士力架 Snickers 51g", "snacks", 600, 380),
    ("KITKAT-4", "奇巧 KitKat 4-finger", "snacks", 550, 350),
    ("DOVE-43", "德芙巧克力 Dove 43g", "snacks", 900, 600),
    ("WANGWANG-SENBEI", "旺旺仙贝 Want Want Senbei 52g", "snacks", 500, 300),
    ("NUTS-MIX-30", "每日坚果 Daily Nuts 30g", "snacks", 700, 430),
    ("JERKY-BEEF-50", "牛肉干 Beef Jerky 50g", "snacks", 1500, 980),
    ("BREAD-MINI", "桃李面包 Taoli Bread", "snacks", 450, 280),
    ("CRACKER-SODA", "苏打饼干 Soda Crackers 100g", "snacks", 500, 300),
    ("GUM-EXTRA", "益达口香糖 Extra Gum", "snacks", 1000, 650),
    ("MINTS-ALTOIDS", "薄荷糖 Mints", "snacks", 1200, 760),
    ("NOODLE-CUP", "合味道杯面 Cup Noodles", "snacks", 800, 500),
    ("TISSUE-PACK", "心相印纸巾 Tissues 10-pack", "daily", 600, 350),
    ("WETWIPE-10", "湿巾 Wet Wipes 10", "daily", 500, 280),
    ("CHARGER-USBC", "USB-C 数据线 Cable", "daily", 2500, 1400),
    ("UMBRELLA-FOLD", "折叠伞 Folding Umbrella", "daily", 3500, 2100),
]

DRIVERS = [
    ("王师傅 Wang Wei", "沪A·D8231"), ("李师傅 Li Na", "沪B·73K19"), ("张师傅 Zhang Lei", "沪A·9F662"),
    ("刘师傅 Liu Yang", "沪C·12E07"), ("陈师傅 Chen Jie", "沪A·N5520"), ("杨师傅 Yang Fan", "沪B·6Q871"),
    ("赵师傅 Zhao Min", "沪A·3H294"), ("黄师傅 Huang Tao", "沪D·8M410"), ("周师傅 Zhou Qiang", "沪A·K7305"),
    ("吴师傅 Wu Hao", "沪B·2P968"), ("徐师傅 Xu Jing", "沪A·5T133"), ("孙师傅 Sun Peng", "沪E·4W582"),
    ("马师傅 Ma Rui", "沪A·7C049"), ("朱师傅 Zhu Lin", "沪B·9G316"), ("胡师傅 Hu Bin", "沪A·1L727"),
    ("郭师傅 Guo Xin", "沪C·6R251"), ("何师傅 He Yu", "沪A·8S690"), ("林师傅 Lin Feng", "沪B·3U418"),
    ("罗师傅 Luo Chen", "沪A·2V873"), ("高师傅 Gao Ming", "沪D·5X106"),
]

# title, advertiser, expected plays, fen per play
ADS = [
    ("元气森林 0 糖夏日 Genki Summer", "元气森林 Genki Forest", 20000, 8),
    ("美团外卖 Meituan Delivery", "美团 Meituan", 50000, 5),
    ("携程旅行 Trip.com Holidays", "携程 Trip.com", 30000, 6),
    ("瑞幸咖啡 Luckin Coffee 9.9", "瑞幸 Luckin", 40000, 5),
    ("小米汽车 Xiaomi SU7", "小米 Xiaomi", 15000, 12),
    ("支付宝 Alipay Rewards", "蚂蚁集团 Ant Group", 60000, 4),
    ("上海迪士尼 Shanghai Disney", "上海迪士尼度假区", 10000, 15),
    ("拼多多 Pinduoduo Deals", "拼多多 PDD", 45000, 4),
]
