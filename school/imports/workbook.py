"""The template of each kind: an XLSX with the headers in the administrator's language, lists to choose from in
the columns that take fixed values, and an example row on a sheet of its own (so that it is never imported)."""
from __future__ import annotations

import io

from flask_babel import gettext as _

from school.imports.columns import KINDS, headers

CHOICES = {
    "delivery": {"ru": "электронно,на бумаге", "uk": "електронно,на папері", "crh": "электрон,кягъыт",
                 "en": "electronic,paper"},
    "statement_language": {lang: "ru,uk,crh" for lang in ("ru", "uk", "crh", "en")},
    "relation": {"ru": "мать,отец,опекун,другое", "uk": "мати,батько,опікун,інше", "crh": "ана,баба,васий,дигер",
                 "en": "mother,father,guardian,other"},
    "period_scheme": {"ru": "четверти,полугодия,триместры", "uk": "чверті,півріччя,триместри",
                      "crh": "черик,ярым йыл,триместр", "en": "quarters,halves,trimesters"},
}

EXAMPLES = {
    "people": {
        "ru": ["5-А", "Иванов", "Пётр", "Сергеевич", "01.09.2015", "", "", "Иванова", "Мария", "Петровна",
               "+7 978 000-00-00", "ivanova@example.org", "мать", "", "", "", "", "", "", "электронно", "ru",
               "01.09.2026"],
        "uk": ["5-А", "Шевченко", "Тарас", "Петрович", "01.09.2015", "", "", "Шевченко", "Оксана", "Іванівна",
               "+380 00 000 00 00", "", "мати", "", "", "", "", "", "", "на папері", "uk", "01.09.2026"],
        "crh": ["5-А", "Аблаев", "Эмиль", "Рустемович", "01.09.2015", "", "", "Аблаева", "Зарема", "Сейтовна",
                "+7 978 000-00-00", "", "ана", "", "", "", "", "", "", "электрон", "crh", "01.09.2026"],
    },
    "staff": {
        "ru": ["Петренко", "Ольга", "Ивановна", "12.03.1980", "petrenko@example.org", "+7 978 000-00-00",
               "учитель"],
        "uk": ["Петренко", "Олена", "Іванівна", "12.03.1980", "", "", "вчитель, заступник директора"],
        "crh": ["Абдураимова", "Эльмира", "Сейрановна", "12.03.1980", "", "", "оджа"],
    },
    "classes": {
        "ru": ["5", "А", "Петренко Ольга Ивановна", "четверти", "01.09.2026"],
        "uk": ["5", "А", "Петренко Олена Іванівна", "чверті", "01.09.2026"],
        "crh": ["5", "А", "Абдураимова Эльмира Сейрановна", "черик", "01.09.2026"],
    },
}


def template_xlsx(kind: str, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lang = lang if lang in ("ru", "uk", "crh") else "ru"
    book = Workbook()
    sheet = book.active
    sheet.title = _("List")[:31]
    example = book.create_sheet(_("Example")[:31])
    titles = headers(kind, lang)
    for ws in (sheet, example):
        ws.append(titles)
        for i, title in enumerate(titles, 1):
            ws.cell(row=1, column=i).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(title) + 2))
        ws.freeze_panes = "A2"
    example.append(EXAMPLES[kind][lang])
    for i, field in enumerate(KINDS[kind], 1):
        choices = CHOICES.get(field.split("_", 1)[1] if field[:1] == "g" and field[1:2].isdigit() else field)
        if choices:
            validation = DataValidation(type="list", formula1=f'"{choices[lang]}"', allow_blank=True)
            validation.error = _("Choose a value from the list.")
            validation.showErrorMessage = False  # a value of another language is still read
            sheet.add_data_validation(validation)
            validation.add(f"{get_column_letter(i)}2:{get_column_letter(i)}2000")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
