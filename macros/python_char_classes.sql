{#
    Python's character classes as RE2 classes. DuckDB's regex \s and \d are ASCII-only;
    the course's rules use Python's: \s = str.isspace(), digits = str.isdigit()
    (Python 3.11, Unicode 14.0). tests/test_python_compat.py checks both classes against
    Python for every code point, so an edit that breaks them fails the suite.
#}

{% macro py_whitespace_class() -%}
    {{ return(adapter.dispatch('py_whitespace_class', 'pricer')()) }}
{%- endmacro %}

{% macro default__py_whitespace_class() -%}
\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}-\x{2029}\x{202f}\x{205f}\x{3000}
{%- endmacro %}

{# py_whitespace_class() without the space itself (U+0020): the scrub leaves a lone space
   alone instead of replacing it by a space, which is most of its matches. #}
{% macro py_whitespace_class_but_space() -%}
    {{ return(adapter.dispatch('py_whitespace_class_but_space', 'pricer')()) }}
{%- endmacro %}

{% macro default__py_whitespace_class_but_space() -%}
\x{9}-\x{d}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}-\x{2029}\x{202f}\x{205f}\x{3000}
{%- endmacro %}

{% macro py_digit_class() -%}
    {{ return(adapter.dispatch('py_digit_class', 'pricer')()) }}
{%- endmacro %}

{% macro default__py_digit_class() -%}
\x{30}-\x{39}\x{b2}-\x{b3}\x{b9}\x{660}-\x{669}\x{6f0}-\x{6f9}\x{7c0}-\x{7c9}\x{966}-\x{96f}\x{9e6}-\x{9ef}\x{a66}-\x{a6f}\x{ae6}-\x{aef}\x{b66}-\x{b6f}\x{be6}-\x{bef}\x{c66}-\x{c6f}\x{ce6}-\x{cef}\x{d66}-\x{d6f}\x{de6}-\x{def}\x{e50}-\x{e59}\x{ed0}-\x{ed9}\x{f20}-\x{f29}\x{1040}-\x{1049}\x{1090}-\x{1099}\x{1369}-\x{1371}\x{17e0}-\x{17e9}\x{1810}-\x{1819}\x{1946}-\x{194f}\x{19d0}-\x{19da}\x{1a80}-\x{1a89}\x{1a90}-\x{1a99}\x{1b50}-\x{1b59}\x{1bb0}-\x{1bb9}\x{1c40}-\x{1c49}\x{1c50}-\x{1c59}\x{2070}\x{2074}-\x{2079}\x{2080}-\x{2089}\x{2460}-\x{2468}\x{2474}-\x{247c}\x{2488}-\x{2490}\x{24ea}\x{24f5}-\x{24fd}\x{24ff}\x{2776}-\x{277e}\x{2780}-\x{2788}\x{278a}-\x{2792}\x{a620}-\x{a629}\x{a8d0}-\x{a8d9}\x{a900}-\x{a909}\x{a9d0}-\x{a9d9}\x{a9f0}-\x{a9f9}\x{aa50}-\x{aa59}\x{abf0}-\x{abf9}\x{ff10}-\x{ff19}\x{104a0}-\x{104a9}\x{10a40}-\x{10a43}\x{10d30}-\x{10d39}\x{10e60}-\x{10e68}\x{11052}-\x{1105a}\x{11066}-\x{1106f}\x{110f0}-\x{110f9}\x{11136}-\x{1113f}\x{111d0}-\x{111d9}\x{112f0}-\x{112f9}\x{11450}-\x{11459}\x{114d0}-\x{114d9}\x{11650}-\x{11659}\x{116c0}-\x{116c9}\x{11730}-\x{11739}\x{118e0}-\x{118e9}\x{11950}-\x{11959}\x{11c50}-\x{11c59}\x{11d50}-\x{11d59}\x{11da0}-\x{11da9}\x{16a60}-\x{16a69}\x{16ac0}-\x{16ac9}\x{16b50}-\x{16b59}\x{1d7ce}-\x{1d7ff}\x{1e140}-\x{1e149}\x{1e2f0}-\x{1e2f9}\x{1e950}-\x{1e959}\x{1f100}-\x{1f10a}\x{1fbf0}-\x{1fbf9}
{%- endmacro %}

{#
    The characters Python's float() strips around a number: ASCII whitespace (space and
    \t \n \v \f \r) and every non-ASCII str.isspace() character. Unlike str.strip(), float()
    does not strip U+001C..U+001F (they are ASCII, and it strips ASCII with Py_ISSPACE).
#}
{% macro py_float_strip_class() -%}
    {{ return(adapter.dispatch('py_float_strip_class', 'pricer')()) }}
{%- endmacro %}

{% macro default__py_float_strip_class() -%}
\x{9}-\x{d}\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}-\x{2029}\x{202f}\x{205f}\x{3000}
{%- endmacro %}

{#
    Python's float() reads every Unicode decimal digit (str.isdecimal(), Unicode 14.0) as its
    ASCII digit: py_decimal_digits() lists them, py_decimal_digit_values() the digit of each,
    for translate(). Checked against Python in tests/test_python_compat.py.
#}
{% macro py_decimal_digits() -%}
٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹߀߁߂߃߄߅߆߇߈߉०१२३४५६७८९০১২৩৪৫৬৭৮৯੦੧੨੩੪੫੬੭੮੯૦૧૨૩૪૫૬૭૮૯୦୧୨୩୪୫୬୭୮୯௦௧௨௩௪௫௬௭௮௯౦౧౨౩౪౫౬౭౮౯೦೧೨೩೪೫೬೭೮೯൦൧൨൩൪൫൬൭൮൯෦෧෨෩෪෫෬෭෮෯๐๑๒๓๔๕๖๗๘๙໐໑໒໓໔໕໖໗໘໙༠༡༢༣༤༥༦༧༨༩၀၁၂၃၄၅၆၇၈၉႐႑႒႓႔႕႖႗႘႙០១២៣៤៥៦៧៨៩᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙᥆᥇᥈᥉᥊᥋᥌᥍᥎᥏᧐᧑᧒᧓᧔᧕᧖᧗᧘᧙᪀᪁᪂᪃᪄᪅᪆᪇᪈᪉᪐᪑᪒᪓᪔᪕᪖᪗᪘᪙᭐᭑᭒᭓᭔᭕᭖᭗᭘᭙᮰᮱᮲᮳᮴᮵᮶᮷᮸᮹᱀᱁᱂᱃᱄᱅᱆᱇᱈᱉᱐᱑᱒᱓᱔᱕᱖᱗᱘᱙꘠꘡꘢꘣꘤꘥꘦꘧꘨꘩꣐꣑꣒꣓꣔꣕꣖꣗꣘꣙꤀꤁꤂꤃꤄꤅꤆꤇꤈꤉꧐꧑꧒꧓꧔꧕꧖꧗꧘꧙꧰꧱꧲꧳꧴꧵꧶꧷꧸꧹꩐꩑꩒꩓꩔꩕꩖꩗꩘꩙꯰꯱꯲꯳꯴꯵꯶꯷꯸꯹０１２３４５６７８９𐒠𐒡𐒢𐒣𐒤𐒥𐒦𐒧𐒨𐒩𐴰𐴱𐴲𐴳𐴴𐴵𐴶𐴷𐴸𐴹𑁦𑁧𑁨𑁩𑁪𑁫𑁬𑁭𑁮𑁯𑃰𑃱𑃲𑃳𑃴𑃵𑃶𑃷𑃸𑃹𑄶𑄷𑄸𑄹𑄺𑄻𑄼𑄽𑄾𑄿𑇐𑇑𑇒𑇓𑇔𑇕𑇖𑇗𑇘𑇙𑋰𑋱𑋲𑋳𑋴𑋵𑋶𑋷𑋸𑋹𑑐𑑑𑑒𑑓𑑔𑑕𑑖𑑗𑑘𑑙𑓐𑓑𑓒𑓓𑓔𑓕𑓖𑓗𑓘𑓙𑙐𑙑𑙒𑙓𑙔𑙕𑙖𑙗𑙘𑙙𑛀𑛁𑛂𑛃𑛄𑛅𑛆𑛇𑛈𑛉𑜰𑜱𑜲𑜳𑜴𑜵𑜶𑜷𑜸𑜹𑣠𑣡𑣢𑣣𑣤𑣥𑣦𑣧𑣨𑣩𑥐𑥑𑥒𑥓𑥔𑥕𑥖𑥗𑥘𑥙𑱐𑱑𑱒𑱓𑱔𑱕𑱖𑱗𑱘𑱙𑵐𑵑𑵒𑵓𑵔𑵕𑵖𑵗𑵘𑵙𑶠𑶡𑶢𑶣𑶤𑶥𑶦𑶧𑶨𑶩𖩠𖩡𖩢𖩣𖩤𖩥𖩦𖩧𖩨𖩩𖫀𖫁𖫂𖫃𖫄𖫅𖫆𖫇𖫈𖫉𖭐𖭑𖭒𖭓𖭔𖭕𖭖𖭗𖭘𖭙𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡𝟢𝟣𝟤𝟥𝟦𝟧𝟨𝟩𝟪𝟫𝟬𝟭𝟮𝟯𝟰𝟱𝟲𝟳𝟴𝟵𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿𞅀𞅁𞅂𞅃𞅄𞅅𞅆𞅇𞅈𞅉𞋰𞋱𞋲𞋳𞋴𞋵𞋶𞋷𞋸𞋹𞥐𞥑𞥒𞥓𞥔𞥕𞥖𞥗𞥘𞥙🯰🯱🯲🯳🯴🯵🯶🯷🯸🯹
{%- endmacro %}

{% macro py_decimal_digit_values() -%}
01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789
{%- endmacro %}
