#include "patron/i18n.h"

#include <stdio.h>
#include <string.h>

enum pt_lang pt_i18n_lang(const char *code)
{
    /* The primary subtag decides, as BCP 47 has it: "ru-RU" is Russian. */
    if (code != NULL && strncmp(code, "ru", 2) == 0 && (code[2] == '\0' || code[2] == '-'))
        return PT_LANG_RU;
    return PT_LANG_EN;
}

const char *pt_i18n_code(enum pt_lang lang)
{
    static const char *const codes[PT_LANG_COUNT] = {[PT_LANG_EN] = "en", [PT_LANG_RU] = "ru"};
    return (unsigned)lang < PT_LANG_COUNT ? codes[lang] : codes[PT_LANG_EN];
}

/* One row per message, its translations side by side. A printf-style
 * message keeps the English conversions in the same order in every
 * language (tests/unit/test_i18n.c checks it). Russian copy addresses the
 * reader as «вы», politely and plainly. */
static const char *const messages[PT_MSG_COUNT][PT_LANG_COUNT] = {
    /* ------------------------------------------------------------ money */
    [PT_MSG_MONEY_NUMBER] = {[PT_LANG_EN] = "Enter the amount as a number, for example 5 or 3.50.",
                             [PT_LANG_RU] = "Введите сумму числом, например 5 или 3,50."},
    [PT_MSG_MONEY_AMBIGUOUS] = {[PT_LANG_EN] =
                                    "We cannot tell how to read that amount: write it without "
                                    "thousands separators and with one decimal point, for "
                                    "example 1000.50.",
                                [PT_LANG_RU] =
                                    "Мы не можем однозначно прочитать эту сумму: напишите её без "
                                    "разделителей тысяч и с одной запятой перед копейками, "
                                    "например 1000,50."},
    [PT_MSG_MONEY_FRACTION] = {[PT_LANG_EN] =
                                   "Enter the amount to the nearest hundredth, for example 3.50.",
                               [PT_LANG_RU] = "Укажите сумму с точностью до сотых, например 3,50."},
    [PT_MSG_MONEY_WHOLE] = {[PT_LANG_EN] = "%s has no smaller unit: enter a whole amount.",
                            [PT_LANG_RU] = "В %s нет дробных единиц: введите целую сумму."},
    [PT_MSG_MONEY_LARGE] =
        {[PT_LANG_EN] = "That amount is too large.", [PT_LANG_RU] = "Это слишком большая сумма."},
    [PT_MSG_MONEY_MINIMUM] =
        {[PT_LANG_EN] = "The minimum is %s%s.", [PT_LANG_RU] = "Минимальная сумма — %s%s."},
    [PT_MSG_MONEY_MINIMUM_PER_MONTH] = {[PT_LANG_EN] = " a month", [PT_LANG_RU] = " в месяц"},
    [PT_MSG_MONEY_MINIMUM_PER_YEAR] = {[PT_LANG_EN] = " a year", [PT_LANG_RU] = " в год"},
    [PT_MSG_MONEY_MAXIMUM] = {[PT_LANG_EN] = "The most we can take at once is %s.",
                              [PT_LANG_RU] = "Максимальная сумма — %s."},
    [PT_MSG_MONEY_STATEMENT_ONCE] =
        {[PT_LANG_EN] = "You will give ", [PT_LANG_RU] = "Вы перечислите "},
    [PT_MSG_MONEY_STATEMENT_RECURRING] =
        {[PT_LANG_EN] = "You will give ", [PT_LANG_RU] = "Вы будете перечислять "},
    [PT_MSG_MONEY_EVERY_MONTH] = {[PT_LANG_EN] = " every month", [PT_LANG_RU] = " каждый месяц"},
    [PT_MSG_MONEY_EVERY_YEAR] = {[PT_LANG_EN] = " every year", [PT_LANG_RU] = " каждый год"},
    [PT_MSG_MONEY_JUST_ONCE] = {[PT_LANG_EN] = " once", [PT_LANG_RU] = " один раз"},

    /* -------------------------------------------------------- reminders */
    [PT_MSG_MONTH_JANUARY] = {[PT_LANG_EN] = "January", [PT_LANG_RU] = "январь"},
    [PT_MSG_MONTH_FEBRUARY] = {[PT_LANG_EN] = "February", [PT_LANG_RU] = "февраль"},
    [PT_MSG_MONTH_MARCH] = {[PT_LANG_EN] = "March", [PT_LANG_RU] = "март"},
    [PT_MSG_MONTH_APRIL] = {[PT_LANG_EN] = "April", [PT_LANG_RU] = "апрель"},
    [PT_MSG_MONTH_MAY] = {[PT_LANG_EN] = "May", [PT_LANG_RU] = "май"},
    [PT_MSG_MONTH_JUNE] = {[PT_LANG_EN] = "June", [PT_LANG_RU] = "июнь"},
    [PT_MSG_MONTH_JULY] = {[PT_LANG_EN] = "July", [PT_LANG_RU] = "июль"},
    [PT_MSG_MONTH_AUGUST] = {[PT_LANG_EN] = "August", [PT_LANG_RU] = "август"},
    [PT_MSG_MONTH_SEPTEMBER] = {[PT_LANG_EN] = "September", [PT_LANG_RU] = "сентябрь"},
    [PT_MSG_MONTH_OCTOBER] = {[PT_LANG_EN] = "October", [PT_LANG_RU] = "октябрь"},
    [PT_MSG_MONTH_NOVEMBER] = {[PT_LANG_EN] = "November", [PT_LANG_RU] = "ноябрь"},
    [PT_MSG_MONTH_DECEMBER] = {[PT_LANG_EN] = "December", [PT_LANG_RU] = "декабрь"},
    [PT_MSG_IN_MONTH_JANUARY] = {[PT_LANG_EN] = "in January", [PT_LANG_RU] = "в январе"},
    [PT_MSG_IN_MONTH_FEBRUARY] = {[PT_LANG_EN] = "in February", [PT_LANG_RU] = "в феврале"},
    [PT_MSG_IN_MONTH_MARCH] = {[PT_LANG_EN] = "in March", [PT_LANG_RU] = "в марте"},
    [PT_MSG_IN_MONTH_APRIL] = {[PT_LANG_EN] = "in April", [PT_LANG_RU] = "в апреле"},
    [PT_MSG_IN_MONTH_MAY] = {[PT_LANG_EN] = "in May", [PT_LANG_RU] = "в мае"},
    [PT_MSG_IN_MONTH_JUNE] = {[PT_LANG_EN] = "in June", [PT_LANG_RU] = "в июне"},
    [PT_MSG_IN_MONTH_JULY] = {[PT_LANG_EN] = "in July", [PT_LANG_RU] = "в июле"},
    [PT_MSG_IN_MONTH_AUGUST] = {[PT_LANG_EN] = "in August", [PT_LANG_RU] = "в августе"},
    [PT_MSG_IN_MONTH_SEPTEMBER] = {[PT_LANG_EN] = "in September", [PT_LANG_RU] = "в сентябре"},
    [PT_MSG_IN_MONTH_OCTOBER] = {[PT_LANG_EN] = "in October", [PT_LANG_RU] = "в октябре"},
    [PT_MSG_IN_MONTH_NOVEMBER] = {[PT_LANG_EN] = "in November", [PT_LANG_RU] = "в ноябре"},
    [PT_MSG_IN_MONTH_DECEMBER] = {[PT_LANG_EN] = "in December", [PT_LANG_RU] = "в декабре"},
    [PT_MSG_REMIND_BAD_ADDRESS] =
        {[PT_LANG_EN] = "Please check the address: it should look like "
                        "name@example.org.",
         [PT_LANG_RU] = "Проверьте адрес: он должен выглядеть как name@example.org."},
    [PT_MSG_REMIND_BAD_MONTH] = {[PT_LANG_EN] = "Choose one of the next twelve months.",
                                 [PT_LANG_RU] = "Выберите один из ближайших двенадцати месяцев."},
    [PT_MSG_REMIND_NOT_SAVED] = {[PT_LANG_EN] =
                                     "The reminder could not be saved. Please try again in a "
                                     "minute.",
                                 [PT_LANG_RU] =
                                     "Не удалось сохранить напоминание. Попробуйте через минуту."},
    [PT_MSG_REMIND_EMAIL_SUBJECT] =
        {[PT_LANG_EN] = "Your reminder from %s", [PT_LANG_RU] = "Напоминание от редакции %s"},
    [PT_MSG_REMIND_EMAIL_HELLO] = {[PT_LANG_EN] = "Hello,", [PT_LANG_RU] = "Здравствуйте!"},
    [PT_MSG_REMIND_EMAIL_ASKED] = {[PT_LANG_EN] =
                                       "You asked us to remind you %s about supporting %s. Here it "
                                       "is, just this once, as promised.",
                                   [PT_LANG_RU] =
                                       "Вы просили напомнить вам %s о поддержке %s. Напоминаем — "
                                       "один раз, как обещали."},
    [PT_MSG_REMIND_EMAIL_SUPPORT] = {[PT_LANG_EN] = "Support us", [PT_LANG_RU] = "Поддержать"},
    [PT_MSG_REMIND_EMAIL_NO_MORE] = {[PT_LANG_EN] =
                                         "There will be no more emails about this: your address "
                                         "is deleted once this one is sent.",
                                     [PT_LANG_RU] =
                                         "Больше писем об этом не будет: ваш адрес удалён после "
                                         "отправки."},
    [PT_MSG_REMIND_EMAIL_UNSUBSCRIBE] = {[PT_LANG_EN] = "Unsubscribe", [PT_LANG_RU] = "Отписаться"},
    [PT_MSG_REMIND_FORM_INTRO] = {[PT_LANG_EN] =
                                      "Would you like one reminder by email? We delete the "
                                      "address as soon as it is sent.",
                                  [PT_LANG_RU] =
                                      "Хотите одно письмо-напоминание? Мы удалим адрес сразу "
                                      "после отправки."},
    [PT_MSG_REMIND_FORM_EMAIL] =
        {[PT_LANG_EN] = "Email address", [PT_LANG_RU] = "Электронная почта"},
    [PT_MSG_REMIND_FORM_MONTH] = {[PT_LANG_EN] = "Month", [PT_LANG_RU] = "Месяц"},
    [PT_MSG_REMIND_FORM_BUTTON] = {[PT_LANG_EN] = "Email me %s", [PT_LANG_RU] = "Напомнить %s"},
    [PT_MSG_REMIND_TOO_MANY] = {[PT_LANG_EN] = "Too many sign-ups from here; please try later.",
                                [PT_LANG_RU] = "Слишком много запросов отсюда; попробуйте позже."},
    [PT_MSG_REMIND_DONE] = {[PT_LANG_EN] = "Done: we will email you %s, just once.",
                            [PT_LANG_RU] = "Готово: мы напишем вам %s, один раз."},
    [PT_MSG_REMIND_CANCEL_TITLE] =
        {[PT_LANG_EN] = "Cancel your reminder", [PT_LANG_RU] = "Отмена напоминания"},
    [PT_MSG_REMIND_CANCEL_INCOMPLETE] =
        {[PT_LANG_EN] = "This link is not complete", [PT_LANG_RU] = "Ссылка неполная"},
    [PT_MSG_REMIND_CANCEL_INCOMPLETE_BODY] = {[PT_LANG_EN] =
                                                  "Please open the whole link from the email; it "
                                                  "may have been cut in two.",
                                              [PT_LANG_RU] =
                                                  "Откройте ссылку из письма целиком: возможно, её "
                                                  "разрезало на две строки."},
    [PT_MSG_REMIND_CANCEL_ASK] =
        {[PT_LANG_EN] = "Cancel your reminder?", [PT_LANG_RU] = "Отменить напоминание?"},
    [PT_MSG_REMIND_CANCEL_ASK_BODY] = {[PT_LANG_EN] =
                                           "We will not send it, and we will delete your address "
                                           "now.",
                                       [PT_LANG_RU] =
                                           "Мы не отправим его и сразу удалим ваш адрес."},
    [PT_MSG_REMIND_CANCEL_BUTTON] =
        {[PT_LANG_EN] = "Cancel the reminder", [PT_LANG_RU] = "Отменить напоминание"},
    [PT_MSG_REMIND_CANCEL_DONE] =
        {[PT_LANG_EN] = "Your reminder is cancelled", [PT_LANG_RU] = "Напоминание отменено"},
    [PT_MSG_REMIND_CANCEL_DONE_BODY] = {[PT_LANG_EN] =
                                            "We have deleted your address. You will get no email "
                                            "from us about it.",
                                        [PT_LANG_RU] =
                                            "Мы удалили ваш адрес. Писем об этом больше не будет."},
    [PT_MSG_REMIND_CANCEL_NOTHING] =
        {[PT_LANG_EN] = "There is nothing to cancel", [PT_LANG_RU] = "Отменять нечего"},
    [PT_MSG_REMIND_CANCEL_NOTHING_BODY] = {[PT_LANG_EN] =
                                               "This reminder was already sent or cancelled, and "
                                               "its address deleted.",
                                           [PT_LANG_RU] =
                                               "Это напоминание уже отправлено или отменено, а "
                                               "адрес удалён."},
    [PT_MSG_REMIND_CANCEL_LATER] =
        {[PT_LANG_EN] = "Please try again in a minute", [PT_LANG_RU] = "Попробуйте через минуту"},
    [PT_MSG_REMIND_CANCEL_LATER_BODY] = {[PT_LANG_EN] =
                                             "The reminder could not be cancelled just now.",
                                         [PT_LANG_RU] =
                                             "Сейчас не получилось отменить напоминание."},

    /* ------------------------------------- the appeal and the support page */
    [PT_MSG_PAGE_HOW_OFTEN] = {[PT_LANG_EN] = "How often", [PT_LANG_RU] = "Как часто"},
    [PT_MSG_PAGE_MONTHLY] = {[PT_LANG_EN] = "Monthly", [PT_LANG_RU] = "Ежемесячно"},
    [PT_MSG_PAGE_ONE_OFF] = {[PT_LANG_EN] = "Once", [PT_LANG_RU] = "Один раз"},
    [PT_MSG_PAGE_ANNUAL] = {[PT_LANG_EN] = "Yearly", [PT_LANG_RU] = "Ежегодно"},
    [PT_MSG_PAGE_AMOUNT] = {[PT_LANG_EN] = "Amount", [PT_LANG_RU] = "Сумма"},
    [PT_MSG_PAGE_OTHER] = {[PT_LANG_EN] = "Other", [PT_LANG_RU] = "Другая"},
    [PT_MSG_PAGE_SUPPORT] = {[PT_LANG_EN] = "Support us", [PT_LANG_RU] = "Поддержать"},
    [PT_MSG_PAGE_LATER] = {[PT_LANG_EN] = "Remind me later", [PT_LANG_RU] = "Напомнить позже"},
    [PT_MSG_PAGE_SUPPORTING] =
        {[PT_LANG_EN] = "I already support", [PT_LANG_RU] = "Я уже поддерживаю"},
    [PT_MSG_PAGE_CLOSE] = {[PT_LANG_EN] = "Close", [PT_LANG_RU] = "Закрыть"},
    [PT_MSG_PAGE_REGION_LABEL] =
        {[PT_LANG_EN] = "A message from the newsroom", [PT_LANG_RU] = "Обращение редакции"},
    [PT_MSG_PAGE_DISMISSED] = {[PT_LANG_EN] = "Thank you. We will ask again another time.",
                               [PT_LANG_RU] = "Спасибо. Мы спросим в другой раз."},
    [PT_MSG_PAGE_SUPPORT_TITLE] = {[PT_LANG_EN] = "Support independent journalism",
                                   [PT_LANG_RU] = "Поддержите независимую журналистику"},
    [PT_MSG_PAGE_SUPPORT_INTRO] = {[PT_LANG_EN] = "Choose how often and how much.",
                                   [PT_LANG_RU] = "Выберите, как часто и сколько."},
    [PT_MSG_PAGE_CURRENCY] = {[PT_LANG_EN] = "Currency", [PT_LANG_RU] = "Валюта"},
    [PT_MSG_PAGE_OTHER_AMOUNT] = {[PT_LANG_EN] = "Other amount", [PT_LANG_RU] = "Другая сумма"},
    [PT_MSG_PAGE_CONTINUE] = {[PT_LANG_EN] = "Continue", [PT_LANG_RU] = "Продолжить"},
    [PT_MSG_PAGE_PENDING_TITLE] = {[PT_LANG_EN] = "Thank you: your pledge is saved as pending",
                                   [PT_LANG_RU] =
                                       "Спасибо: ваше обязательство сохранено как ожидающее"},
    [PT_MSG_PAGE_PENDING_BODY] =
        {[PT_LANG_EN] = "Your pledge:", [PT_LANG_RU] = "Ваше обязательство:"},
    [PT_MSG_PAGE_NOT_SET_UP] =
        {[PT_LANG_EN] = "Payments are not set up on this server yet, so nothing has been "
                        "charged and no card details were asked for. The newsroom will "
                        "need to connect a payment processor before pledges can be paid.",
         [PT_LANG_RU] = "Приём платежей на этом сервере ещё не настроен, поэтому ничего не "
                        "списано и данные карты не запрашивались. Редакции нужно подключить "
                        "платёжную систему, прежде чем обязательства можно будет оплатить."},
    [PT_MSG_PAGE_BACK] =
        {[PT_LANG_EN] = "Back to the article", [PT_LANG_RU] = "Вернуться к статье"},
    [PT_MSG_PAGE_FIX_BELOW] = {[PT_LANG_EN] = "Please check the highlighted field.",
                               [PT_LANG_RU] = "Проверьте отмеченное поле."},
    [PT_MSG_PAGE_CLOSED] = {[PT_LANG_EN] = "Closed. We will not ask again for a while.",
                            [PT_LANG_RU] = "Хорошо, мы не будем спрашивать какое-то время."},
    [PT_MSG_PAGE_THANKS_SUPPORTING] = {[PT_LANG_EN] = "Thank you for supporting us!",
                                       [PT_LANG_RU] = "Спасибо, что поддерживаете нас!"},
    [PT_MSG_TRACE_MENU] = {[PT_LANG_EN] = "What this device keeps",
                           [PT_LANG_RU] = "Что хранит это устройство"},
    [PT_MSG_TRACE_EXPLAIN] = {[PT_LANG_EN] =
                                  "This browser keeps which appeals you saw and closed, so that "
                                  "they stay away. It can keep nothing after you close this tab "
                                  "instead.",
                              [PT_LANG_RU] =
                                  "Этот браузер помнит, какие обращения вы видели и закрыли, "
                                  "чтобы они не возвращались. Вместо этого он может ничего не "
                                  "хранить после закрытия вкладки."},
    [PT_MSG_TRACE_REMEMBER] = {[PT_LANG_EN] = "Keep nothing, and remember only this choice",
                               [PT_LANG_RU] = "Ничего не хранить, запомнить только этот выбор"},
    [PT_MSG_TRACE_FORGET] = {[PT_LANG_EN] = "Keep nothing, not even this choice",
                             [PT_LANG_RU] = "Ничего не хранить, даже этот выбор"},
    [PT_MSG_TRACE_NOTHING] = {[PT_LANG_EN] = "This device keeps nothing after you close this tab.",
                              [PT_LANG_RU] =
                                  "Это устройство ничего не хранит после закрытия вкладки."},
    [PT_MSG_TRACE_FORGOTTEN] = {[PT_LANG_EN] = "Nothing remembers this choice either: the appeal "
                                               "may come back on your next visit.",
                                [PT_LANG_RU] = "Этот выбор тоже не сохранён: обращение может "
                                               "вернуться при следующем визите."},
    [PT_MSG_TRACE_KEEP] = {[PT_LANG_EN] = "Keep my choices on this device again",
                           [PT_LANG_RU] = "Снова хранить мой выбор на этом устройстве"},
    [PT_MSG_REMIND_FAILED] = {[PT_LANG_EN] = "Something went wrong; please try again.",
                              [PT_LANG_RU] = "Что-то пошло не так; попробуйте ещё раз."},
    [PT_MSG_PAGE_CHECK_TITLE] =
        {[PT_LANG_EN] = "Please check your gift", [PT_LANG_RU] = "Проверьте сумму"},
    [PT_MSG_PAGE_TO_PAYMENT] =
        {[PT_LANG_EN] = "Continue to payment", [PT_LANG_RU] = "Перейти к оплате"},
    [PT_MSG_PAGE_CHANGE] = {[PT_LANG_EN] = "Change", [PT_LANG_RU] = "Изменить"},
    [PT_MSG_PAGE_SHOW_CURRENCY] = {[PT_LANG_EN] = "Show amounts in this currency",
                                   [PT_LANG_RU] = "Показать суммы в этой валюте"},
    [PT_MSG_PAGE_CURRENCY_CHANGED] =
        {[PT_LANG_EN] = "The amounts are now shown in the currency you chose: please choose again.",
         [PT_LANG_RU] = "Суммы теперь показаны в выбранной валюте: выберите, пожалуйста, ещё раз."},
    [PT_MSG_PAGE_BOTH_AMOUNTS] =
        {[PT_LANG_EN] = "You picked an amount and also typed one. Choose \u201cOther\u201d "
                        "to give the amount you typed, or clear the box.",
         [PT_LANG_RU] = "Вы выбрали сумму и ввели ещё одну. Выберите \u00abДругая\u00bb, "
                        "чтобы дать введённую сумму, или очистите поле."},
    [PT_MSG_PAGE_ENTER_AMOUNT] =
        {[PT_LANG_EN] = "Enter an amount.", [PT_LANG_RU] = "Укажите сумму."},
    [PT_MSG_PAGE_CHOOSE_FREQUENCY] = {[PT_LANG_EN] = "Choose monthly, once or yearly.",
                                      [PT_LANG_RU] =
                                          "Выберите: ежемесячно, один раз или ежегодно."},
    [PT_MSG_PAGE_UNKNOWN_CURRENCY] = {[PT_LANG_EN] =
                                          "We cannot take that currency: choose one from the list.",
                                      [PT_LANG_RU] =
                                          "Эту валюту мы не принимаем: выберите валюту из списка."},
    [PT_MSG_PAGE_TRUST] = {[PT_LANG_EN] = "You can change or cancel at any time.",
                           [PT_LANG_RU] = "Изменить или отменить можно в любой момент."},
    [PT_MSG_PAGE_TRUST_BY] =
        {[PT_LANG_EN] = "Secure payment by %s \u00b7 change or cancel at any time",
         [PT_LANG_RU] =
             "Безопасная оплата через %s \u00b7 изменить или отменить можно в любой момент"},
    [PT_MSG_PAGE_EMAIL] =
        {[PT_LANG_EN] = "Your email address, for your receipt and the link to manage your pledge",
         [PT_LANG_RU] = "Ваш адрес электронной почты: для квитанции и ссылки на управление "
                        "подпиской"},
    [PT_MSG_PAGE_EMAIL_NEEDED] =
        {[PT_LANG_EN] = "Enter your email address: the payment page will not ask for it, and "
                        "without it we cannot send your receipt or the link to change or cancel.",
         [PT_LANG_RU] = "Укажите адрес электронной почты: платёжная страница его не спросит, а "
                        "без него мы не сможем прислать квитанцию и ссылку, чтобы изменить или "
                        "отменить платёж."},
    [PT_MSG_PAGE_HOW_TO_PAY] = {[PT_LANG_EN] = "How to pay", [PT_LANG_RU] = "Способ оплаты"},
    [PT_MSG_PAGE_METHOD_CARD] = {[PT_LANG_EN] = "Card", [PT_LANG_RU] = "Банковская карта"},
    [PT_MSG_PAGE_METHOD_FIRST_ONLY] = {[PT_LANG_EN] =
                                           "the first payment; the next ones by SEPA Direct Debit",
                                       [PT_LANG_RU] =
                                           "первый платёж; следующие — прямым дебетом SEPA"},
    [PT_MSG_PAGE_METHOD_UNKNOWN] = {[PT_LANG_EN] = "Choose one of the ways to pay shown.",
                                    [PT_LANG_RU] = "Выберите один из показанных способов оплаты."},
    [PT_MSG_PAGE_AMOUNT_BELOW_PROCESSOR] =
        {[PT_LANG_EN] = "The amount is below the smallest payment %s can take in this currency.",
         [PT_LANG_RU] = "Сумма меньше самого маленького платежа, который %s принимает в этой "
                        "валюте."},
    [PT_MSG_PAGE_FORM_UNREADABLE] = {[PT_LANG_EN] = "The form could not be read.",
                                     [PT_LANG_RU] = "Не удалось прочитать форму."},
    [PT_MSG_PAGE_TOO_MANY] =
        {[PT_LANG_EN] = "Too many pledges from here in the last hour; please try again later.",
         [PT_LANG_RU] = "Слишком много попыток отсюда за последний час; попробуйте позже."},
    [PT_MSG_PAGE_NOT_SAVED] =
        {[PT_LANG_EN] = "Your pledge could not be saved just now. Nothing was charged; please "
                        "try again in a minute.",
         [PT_LANG_RU] = "Не удалось сохранить вашу поддержку. Ничего не списано; попробуйте "
                        "ещё раз через минуту."},
    [PT_MSG_PAGE_PROCESSOR_DOWN] =
        {[PT_LANG_EN] = "The payment processor cannot be reached just now. Nothing was "
                        "charged; please try again in a minute.",
         [PT_LANG_RU] = "Платёжная система сейчас недоступна. Ничего не списано; "
                        "попробуйте ещё раз через минуту."},

    /* ---------------------------------------------------------- pledges */
    [PT_MSG_PLEDGE_A_MONTH] = {[PT_LANG_EN] = "a month", [PT_LANG_RU] = "в месяц"},
    [PT_MSG_PLEDGE_A_YEAR] = {[PT_LANG_EN] = "a year", [PT_LANG_RU] = "в год"},
    [PT_MSG_PLEDGE_ONCE] = {[PT_LANG_EN] = "once", [PT_LANG_RU] = "разово"},
    [PT_MSG_PLEDGE_STATUS_ACTIVE] = {[PT_LANG_EN] = "active", [PT_LANG_RU] = "действует"},
    [PT_MSG_PLEDGE_STATUS_COMPLETED] = {[PT_LANG_EN] = "paid", [PT_LANG_RU] = "оплачено"},
    [PT_MSG_PLEDGE_STATUS_PAST_DUE] =
        {[PT_LANG_EN] = "payment failed, we will retry", [PT_LANG_RU] = "платёж не прошёл"},
    [PT_MSG_PLEDGE_STATUS_PAUSED] = {[PT_LANG_EN] = "paused", [PT_LANG_RU] = "приостановлено"},
    [PT_MSG_PLEDGE_STATUS_CANCELLED] = {[PT_LANG_EN] = "cancelled", [PT_LANG_RU] = "отменено"},
    [PT_MSG_PLEDGE_STATUS_PENDING] =
        {[PT_LANG_EN] = "waiting for payment", [PT_LANG_RU] = "ожидает оплаты"},
    [PT_MSG_PLEDGE_CHECKOUT_MONTHLY] =
        {[PT_LANG_EN] = "monthly support", [PT_LANG_RU] = "ежемесячная поддержка"},
    [PT_MSG_PLEDGE_CHECKOUT_ANNUAL] =
        {[PT_LANG_EN] = "yearly support", [PT_LANG_RU] = "ежегодная поддержка"},
    [PT_MSG_PLEDGE_CHECKOUT_ONE_OFF] =
        {[PT_LANG_EN] = "one-off support", [PT_LANG_RU] = "разовая поддержка"},
    [PT_MSG_PLEDGE_EMAIL_THANKS_SUBJECT] =
        {[PT_LANG_EN] = "Thank you for your support", [PT_LANG_RU] = "Спасибо за поддержку"},
    [PT_MSG_PLEDGE_EMAIL_THANKS_LEAD] = {[PT_LANG_EN] = "Thank you! Your support is set up.",
                                         [PT_LANG_RU] = "Спасибо! Ваша поддержка оформлена."},
    [PT_MSG_PLEDGE_EMAIL_RECEIPT_SUBJECT] =
        {[PT_LANG_EN] = "Your receipt", [PT_LANG_RU] = "Квитанция об оплате"},
    [PT_MSG_PLEDGE_EMAIL_RECEIPT_LEAD] =
        {[PT_LANG_EN] = "We have received your payment.", [PT_LANG_RU] = "Мы получили ваш платёж."},
    [PT_MSG_PLEDGE_EMAIL_FAILED_SUBJECT] =
        {[PT_LANG_EN] = "Your payment did not go through", [PT_LANG_RU] = "Платёж не прошёл"},
    /* Said of a card (Stripe tries again) and of a direct debit (the next
     * month's is the next try) alike. */
    [PT_MSG_PLEDGE_EMAIL_FAILED_LEAD] = {[PT_LANG_EN] =
                                             "Your payment did not go through. You can change how "
                                             "you pay with the link below.",
                                         [PT_LANG_RU] =
                                             "Ваш платёж не прошёл. Изменить способ оплаты можно "
                                             "по ссылке ниже."},
    [PT_MSG_PLEDGE_EMAIL_CANCELLED_SUBJECT] =
        {[PT_LANG_EN] = "Your support is cancelled", [PT_LANG_RU] = "Поддержка отменена"},
    [PT_MSG_PLEDGE_EMAIL_CANCELLED_LEAD] = {[PT_LANG_EN] =
                                                "Your support is cancelled and you will not be "
                                                "charged again. Thank you for all you have given.",
                                            [PT_LANG_RU] =
                                                "Ваша поддержка отменена; больше списаний не "
                                                "будет. Спасибо за всё, что вы сделали."},
    [PT_MSG_PLEDGE_EMAIL_MAGIC_SUBJECT] = {[PT_LANG_EN] = "Your link to manage your support",
                                           [PT_LANG_RU] = "Ссылка для управления поддержкой"},
    [PT_MSG_PLEDGE_EMAIL_MAGIC_LEAD] = {[PT_LANG_EN] =
                                            "Here is your link to manage your support. It works "
                                            "once, within 30 minutes.",
                                        [PT_LANG_RU] =
                                            "Вот ссылка для управления вашей поддержкой. Она "
                                            "действует 30 минут и один раз."},
    [PT_MSG_PLEDGE_EMAIL_AMOUNT] = {[PT_LANG_EN] = "Amount", [PT_LANG_RU] = "Сумма"},
    [PT_MSG_PLEDGE_EMAIL_MANAGE] = {[PT_LANG_EN] = "Change, pause or cancel",
                                    [PT_LANG_RU] = "Изменить, приостановить или отменить"},
    [PT_MSG_PLEDGE_EMAIL_OPEN_MANAGE] =
        {[PT_LANG_EN] = "Open the manage page", [PT_LANG_RU] = "Открыть страницу управления"},
    [PT_MSG_THANKS_TITLE] = {[PT_LANG_EN] = "Thank you", [PT_LANG_RU] = "Спасибо"},
    [PT_MSG_THANKS_HEADING] =
        {[PT_LANG_EN] = "Thank you for your support!", [PT_LANG_RU] = "Спасибо за поддержку!"},
    [PT_MSG_THANKS_YOUR_SUPPORT] =
        {[PT_LANG_EN] = "Your support: ", [PT_LANG_RU] = "Ваша поддержка: "},
    [PT_MSG_THANKS_CONFIRMED] = {[PT_LANG_EN] =
                                     "We have emailed you a link to change or cancel in one "
                                     "click, whenever you like.",
                                 [PT_LANG_RU] =
                                     "Мы отправили письмо со ссылкой, по которой можно изменить "
                                     "или отменить поддержку в один клик."},
    [PT_MSG_THANKS_WAITING] = {[PT_LANG_EN] =
                                   "We are waiting for the payment processor to confirm; reload "
                                   "this page in a minute.",
                               [PT_LANG_RU] =
                                   "Мы ждём подтверждения от платёжной системы; обновите "
                                   "страницу через минуту."},
    /* English only until now (an error page); the Russian is new. */
    [PT_MSG_THANKS_RELOAD] = {[PT_LANG_EN] = "Please reload this page in a moment.",
                              [PT_LANG_RU] = "Обновите страницу через минуту."},
    /* English only until now (an error page); the Russian is new. */
    [PT_MSG_THANKS_NO_SUCH_PLEDGE] =
        {[PT_LANG_EN] = "There is no such pledge.", [PT_LANG_RU] = "Такого обязательства нет."},
    [PT_MSG_MANAGE_TITLE] = {[PT_LANG_EN] = "Your support", [PT_LANG_RU] = "Ваша поддержка"},
    /* English only until now (an error page); the Russian is new. */
    [PT_MSG_MANAGE_LINK_INVALID] = {[PT_LANG_EN] =
                                        "This link is not valid or has expired. Ask for a new one "
                                        "at /manage/lost.",
                                    [PT_LANG_RU] =
                                        "Эта ссылка недействительна или устарела. Запросите новую "
                                        "на странице /manage/lost."},
    [PT_MSG_MANAGE_NEW_AMOUNT] = {[PT_LANG_EN] = "New amount", [PT_LANG_RU] = "Новая сумма"},
    [PT_MSG_MANAGE_CHANGE_AMOUNT] =
        {[PT_LANG_EN] = "Change the amount", [PT_LANG_RU] = "Изменить сумму"},
    [PT_MSG_MANAGE_RESUME] = {[PT_LANG_EN] = "Resume", [PT_LANG_RU] = "Возобновить"},
    [PT_MSG_MANAGE_PAUSE] = {[PT_LANG_EN] = "Pause", [PT_LANG_RU] = "Приостановить"},
    [PT_MSG_MANAGE_UPDATE_CARD] =
        {[PT_LANG_EN] = "Change how you pay", [PT_LANG_RU] = "Изменить способ оплаты"},
    [PT_MSG_MANAGE_CANCEL] = {[PT_LANG_EN] = "Cancel", [PT_LANG_RU] = "Отменить поддержку"},
    [PT_MSG_MANAGE_CANCEL_TITLE] = {[PT_LANG_EN] = "Cancel?", [PT_LANG_RU] = "Отменить поддержку?"},
    [PT_MSG_MANAGE_CANCEL_HEADING] =
        {[PT_LANG_EN] = "Cancel your support?", [PT_LANG_RU] = "Отменить поддержку?"},
    [PT_MSG_MANAGE_CANCEL_NO_MORE_CHARGES] = {[PT_LANG_EN] = "You will not be charged again.",
                                              [PT_LANG_RU] = "Больше списаний не будет."},
    [PT_MSG_MANAGE_CANCEL_YES] = {[PT_LANG_EN] = "Yes, cancel", [PT_LANG_RU] = "Да, отменить"},
    [PT_MSG_MANAGE_CANCEL_KEEP] = {[PT_LANG_EN] = "No, keep it", [PT_LANG_RU] = "Нет, оставить"},
    [PT_MSG_MANAGE_AMOUNT_CHANGED] = {[PT_LANG_EN] = "Done: the next charge uses the new amount.",
                                      [PT_LANG_RU] =
                                          "Сумма изменена: следующее списание будет по новой "
                                          "сумме."},
    [PT_MSG_MANAGE_PAUSED] = {[PT_LANG_EN] = "Paused: no charges until you resume.",
                              [PT_LANG_RU] = "Поддержка приостановлена."},
    [PT_MSG_MANAGE_RESUMED] = {[PT_LANG_EN] = "Resumed.", [PT_LANG_RU] = "Поддержка возобновлена."},
    [PT_MSG_MANAGE_CANCELLED] = {[PT_LANG_EN] = "Cancelled. Thank you for everything!",
                                 [PT_LANG_RU] = "Поддержка отменена. Спасибо за всё!"},
    [PT_MSG_MANAGE_UNAVAILABLE] = {[PT_LANG_EN] = "That cannot be done now.",
                                   [PT_LANG_RU] = "Это действие сейчас недоступно."},
    [PT_MSG_MANAGE_PROCESSOR_DOWN] = {[PT_LANG_EN] =
                                          "The payment processor cannot be reached; please try "
                                          "again later.",
                                      [PT_LANG_RU] =
                                          "Платёжная система недоступна; попробуйте позже."},
    [PT_MSG_MANAGE_FAILED] = {[PT_LANG_EN] =
                                  "That did not work and nothing changed; please try again later.",
                              [PT_LANG_RU] =
                                  "Не получилось; ничего не изменилось. Попробуйте позже."},
    [PT_MSG_MANAGE_LIST_INTRO] = {[PT_LANG_EN] = "Choose the one to change, pause or cancel.",
                                  [PT_LANG_RU] = "Выберите, чем управлять."},
    [PT_MSG_MANAGE_LIST_LINK] = {[PT_LANG_EN] = "Manage", [PT_LANG_RU] = "Управлять"},

    /* /manage/lost and /manage/magic: English only until now; the Russian
     * follows the manage page's and the reminder pages' wording. */
    [PT_MSG_LOST_TITLE] = {[PT_LANG_EN] = "Get a new link", [PT_LANG_RU] = "Новая ссылка"},
    [PT_MSG_LOST_HEADING] = {[PT_LANG_EN] = "Get a new link to manage your support",
                             [PT_LANG_RU] = "Новая ссылка для управления поддержкой"},
    [PT_MSG_LOST_INTRO] = {[PT_LANG_EN] =
                               "Enter the address you gave when you pledged. If we have it, we "
                               "will email a link that works once, within 30 minutes.",
                           [PT_LANG_RU] =
                               "Введите адрес, который вы указали, когда оформляли поддержку. "
                               "Если он у нас есть, мы пришлём ссылку: она действует 30 минут и "
                               "один раз."},
    [PT_MSG_LOST_EMAIL_LABEL] =
        {[PT_LANG_EN] = "Email address", [PT_LANG_RU] = "Электронная почта"},
    [PT_MSG_LOST_BUTTON] = {[PT_LANG_EN] = "Email me a link", [PT_LANG_RU] = "Прислать ссылку"},
    [PT_MSG_LOST_TOO_MANY] =
        {[PT_LANG_EN] = "Too many requests", [PT_LANG_RU] = "Слишком много запросов"},
    [PT_MSG_LOST_TOO_MANY_BODY] =
        {[PT_LANG_EN] = "Please try again later.", [PT_LANG_RU] = "Попробуйте позже."},
    [PT_MSG_LOST_BAD_ADDRESS] =
        {[PT_LANG_EN] = "Please check the address", [PT_LANG_RU] = "Проверьте адрес"},
    [PT_MSG_LOST_BAD_ADDRESS_BODY] = {[PT_LANG_EN] = "It should look like name@example.org.",
                                      [PT_LANG_RU] = "Он должен выглядеть как name@example.org."},
    [PT_MSG_LOST_LATER] =
        {[PT_LANG_EN] = "Please try again in a minute", [PT_LANG_RU] = "Попробуйте через минуту"},
    [PT_MSG_LOST_LATER_BODY] = {[PT_LANG_EN] = "Your request could not be taken just now.",
                                [PT_LANG_RU] = "Сейчас не получилось принять ваш запрос."},
    [PT_MSG_LOST_SENT] = {[PT_LANG_EN] = "Check your email", [PT_LANG_RU] = "Проверьте почту"},
    [PT_MSG_LOST_SENT_BODY] = {[PT_LANG_EN] =
                                   "If that address gave a pledge here, a link is on its way. It "
                                   "works once, within 30 minutes.",
                               [PT_LANG_RU] =
                                   "Если с этого адреса оформляли поддержку, ссылка уже в пути. "
                                   "Она действует 30 минут и один раз."},
    [PT_MSG_MAGIC_TITLE] =
        {[PT_LANG_EN] = "Manage your support", [PT_LANG_RU] = "Управление поддержкой"},
    [PT_MSG_MAGIC_INCOMPLETE] =
        {[PT_LANG_EN] = "This link is not complete", [PT_LANG_RU] = "Ссылка неполная"},
    [PT_MSG_MAGIC_CONTINUE] = {[PT_LANG_EN] = "Continue", [PT_LANG_RU] = "Продолжить"},
    [PT_MSG_MAGIC_EXPIRED] = {[PT_LANG_EN] = "This link has expired or was used",
                              [PT_LANG_RU] = "Ссылка устарела или уже использована"},
    /* a link's text, followed by a full stop outside it */
    [PT_MSG_MAGIC_ASK_NEW] = {[PT_LANG_EN] = "Ask for a new one", [PT_LANG_RU] = "Запросите новую"},
    [PT_MSG_RAIL_LEGEND] = {[PT_LANG_EN] = "How would you like to give?",
                            [PT_LANG_RU] = "Как вам удобнее поддержать?"},
    [PT_MSG_RAIL_ONLINE] =
        {[PT_LANG_EN] = "Card or online payment (%s)", [PT_LANG_RU] = "Картой или онлайн (%s)"},
    [PT_MSG_RAIL_UNKNOWN] = {[PT_LANG_EN] = "Choose one of the ways to give shown.",
                             [PT_LANG_RU] = "Выберите один из показанных способов."},
    [PT_MSG_PAGE_EMAIL_OPTIONAL] =
        {[PT_LANG_EN] = "Your email address, if you want a receipt and a link to manage your "
                        "pledge (you may leave it empty)",
         [PT_LANG_RU] = "Ваш адрес электронной почты, если нужны квитанция и ссылка на "
                        "управление поддержкой (можно не указывать)"},
    [PT_MSG_BANK_RAIL] = {[PT_LANG_EN] = "Bank transfer", [PT_LANG_RU] = "Банковский перевод"},
    [PT_MSG_BANK_HEADING] =
        {[PT_LANG_EN] = "What to transfer", [PT_LANG_RU] = "Куда и сколько перевести"},
    [PT_MSG_BANK_ONCE] =
        {[PT_LANG_EN] = "Transfer %s once to the account below, with the reference exactly as "
                        "shown.",
         [PT_LANG_RU] = "Переведите %s один раз на счёт ниже, указав код точно так, как он "
                        "написан."},
    [PT_MSG_BANK_MONTHLY] =
        {[PT_LANG_EN] = "Set up a standing order of %s every month to the account below, with "
                        "the reference exactly as shown.",
         [PT_LANG_RU] = "Оформите в своём банке постоянное поручение: %s каждый месяц на счёт "
                        "ниже, с кодом точно так, как он написан."},
    [PT_MSG_BANK_ANNUAL] =
        {[PT_LANG_EN] = "Set up a standing order of %s every year to the account below, with the "
                        "reference exactly as shown.",
         [PT_LANG_RU] = "Оформите в своём банке постоянное поручение: %s каждый год на счёт "
                        "ниже, с кодом точно так, как он написан."},
    [PT_MSG_BANK_HOLDER] = {[PT_LANG_EN] = "Account holder", [PT_LANG_RU] = "Получатель"},
    [PT_MSG_BANK_IBAN] = {[PT_LANG_EN] = "IBAN", [PT_LANG_RU] = "IBAN"},
    [PT_MSG_BANK_BIC] = {[PT_LANG_EN] = "BIC", [PT_LANG_RU] = "BIC"},
    [PT_MSG_BANK_BANK] = {[PT_LANG_EN] = "Bank", [PT_LANG_RU] = "Банк"},
    [PT_MSG_BANK_AMOUNT] = {[PT_LANG_EN] = "Amount", [PT_LANG_RU] = "Сумма"},
    [PT_MSG_BANK_REFERENCE] = {[PT_LANG_EN] = "Reference", [PT_LANG_RU] = "Назначение платежа"},
    [PT_MSG_BANK_REFERENCE_HELP] =
        {[PT_LANG_EN] = "The reference is how we know the transfer is yours; it says nothing "
                        "about you. Spaces and capitals do not matter.",
         [PT_LANG_RU] = "По этому коду мы узнаём ваш перевод; о вас он ничего не говорит. "
                        "Пробелы и регистр букв не важны."},
    [PT_MSG_BANK_QR] = {[PT_LANG_EN] =
                            "Or scan this code with your banking app: it fills in the transfer.",
                        [PT_LANG_RU] =
                            "Или отсканируйте этот код в приложении банка: оно заполнит перевод "
                            "само."},
    [PT_MSG_BANK_STANDING_ORDER] =
        {[PT_LANG_EN] = "In your bank's app or website, look for \u201cstanding order\u201d "
                        "(sometimes \u201crecurring transfer\u201d), enter the account, "
                        "amount and reference above, and choose to repeat it. You can stop it "
                        "there at any time.",
         [PT_LANG_RU] = "В приложении или на сайте банка найдите \u00abпостоянное "
                        "поручение\u00bb (или \u00abрегулярный перевод\u00bb), укажите счёт, "
                        "сумму и код выше и выберите повторение. Остановить его можно там же в "
                        "любой момент."},
    [PT_MSG_BANK_PRIVACY] =
        {[PT_LANG_EN] =
             "Your bank statement will show a transfer to \u201c%s\u201d. We keep the amount, the "
             "date and the reference of each transfer, and nothing of your account.",
         [PT_LANG_RU] =
             "В выписке вашего банка будет перевод получателю \u00ab%s\u00bb. Мы храним сумму, "
             "дату и код каждого перевода и ничего о вашем счёте."},
    [PT_MSG_BANK_ARRIVED] = {[PT_LANG_EN] = "Thank you: your transfer has arrived.",
                             [PT_LANG_RU] = "Спасибо: ваш перевод пришёл."},
    [PT_MSG_PLEDGE_EMAIL_LAPSED_SUBJECT] = {[PT_LANG_EN] = "We have not seen your transfer lately",
                                            [PT_LANG_RU] = "Мы давно не получали ваш перевод"},
    [PT_MSG_PLEDGE_EMAIL_LAPSED_LEAD] =
        {[PT_LANG_EN] = "Your regular bank transfer has not arrived for a while. If you stopped "
                        "your standing order, there is nothing to do, and thank you for your "
                        "support so far. If you did not, please check it at your bank: it may "
                        "have lost the reference code. We will not write about this again.",
         [PT_LANG_RU] = "Ваш регулярный перевод давно не приходил. Если вы отменили постоянное "
                        "поручение, ничего делать не нужно, и спасибо за поддержку. Если нет, "
                        "проверьте его в своём банке: возможно, в нём потерялся код. Больше мы "
                        "об этом не напишем."},
    [PT_MSG_PLEDGE_EMAIL_RAIL] = {[PT_LANG_EN] = "Paid by", [PT_LANG_RU] = "Способ оплаты"},
    [PT_MSG_CRYPTO_RAIL] =
        {[PT_LANG_EN] = "Cryptocurrency (BTCPay)", [PT_LANG_RU] = "Криптовалюта (BTCPay)"},
    [PT_MSG_BANK_MANAGE] =
        {[PT_LANG_EN] = "You give by bank transfer: a change of amount or a stop takes effect "
                        "when you change or cancel the standing order at your bank. Tell us here "
                        "too, so that we know what to expect.",
         [PT_LANG_RU] = "Вы поддерживаете нас переводом: новая сумма или отмена вступают в "
                        "силу, когда вы измените или отмените постоянное поручение в своём "
                        "банке. Сообщите и здесь, чтобы мы знали, чего ждать."},
    [PT_MSG_CRYPTO_MONTH_SUBJECT] = {[PT_LANG_EN] = "Your crypto pledge is due",
                                     [PT_LANG_RU] = "Пора оплатить поддержку в криптовалюте"},
    [PT_MSG_CRYPTO_MONTH_LEAD] =
        {[PT_LANG_EN] = "Thank you for your regular support. Crypto cannot be charged "
                        "automatically: when you are ready, open this link to pay this "
                        "payment of your pledge. A pledge with two payments unpaid ends by "
                        "itself.",
         [PT_LANG_RU] = "Спасибо за регулярную поддержку. Криптовалюту нельзя списать "
                        "автоматически: когда будете готовы, откройте ссылку и оплатите этот "
                        "платёж. Если два платежа не оплачены, поддержка закончится сама."},
    [PT_MSG_CRYPTO_MONTH_PAY] =
        {[PT_LANG_EN] = "Pay in crypto", [PT_LANG_RU] = "Оплатить криптовалютой"},
    [PT_MSG_CRYPTO_MONTH_TITLE] =
        {[PT_LANG_EN] = "Your pledge in crypto", [PT_LANG_RU] = "Поддержка в криптовалюте"},
    [PT_MSG_CRYPTO_MONTH_EXPIRED] = {[PT_LANG_EN] = "This link has expired or is not complete.",
                                     [PT_LANG_RU] = "Ссылка устарела или неполная."},
    [PT_MSG_CRYPTO_MONTH_ENDED] = {[PT_LANG_EN] = "This pledge has ended: nothing is due.",
                                   [PT_LANG_RU] = "Эта поддержка закончилась: платить не нужно."},
    [PT_MSG_CRYPTO_MONTH_UNAVAILABLE] =
        {[PT_LANG_EN] = "The payment page could not be opened just now. Please try again in a "
                        "few minutes.",
         [PT_LANG_RU] = "Сейчас не удалось открыть страницу оплаты. Попробуйте через несколько "
                        "минут."},
    [PT_MSG_ERASE_EMAIL_LINK] =
        {[PT_LANG_EN] = "Erase my data", [PT_LANG_RU] = "Удалить мои данные"},
    [PT_MSG_PAGE_CARD_ASKS_EMAIL] =
        {[PT_LANG_EN] = "%s's payment page asks for your email address, for your "
                        "receipt and the link to manage your pledge.",
         [PT_LANG_RU] = "Платёжная страница %s попросит ваш адрес электронной почты — "
                        "для квитанции и ссылки на управление поддержкой."},
    [PT_MSG_PAGE_NO_EMAIL_RAIL] =
        {[PT_LANG_EN] = "To give without an email address, choose a bank transfer or "
                        "crypto where they are offered: you will get a manage code "
                        "instead.",
         [PT_LANG_RU] = "Чтобы поддержать без адреса электронной почты, выберите "
                        "банковский перевод или криптовалюту, если они предложены: "
                        "вместо ссылки вы получите код управления."},
    [PT_MSG_CODE_HEADING] =
        {[PT_LANG_EN] = "Your manage code", [PT_LANG_RU] = "Ваш код управления"},
    [PT_MSG_CODE_INTRO] = {[PT_LANG_EN] =
                               "You gave no email address, so this code is how you change or "
                               "cancel this pledge later, from any device.",
                           [PT_LANG_RU] =
                               "Вы не оставили адрес электронной почты, поэтому изменить или "
                               "отменить эту поддержку позже, с любого устройства, можно "
                               "только с этим кодом."},
    [PT_MSG_CODE_ONCE] = {[PT_LANG_EN] =
                              "It is shown only this once. Write it down or keep it in a "
                              "password manager.",
                          [PT_LANG_RU] = "Он показан только один раз. Запишите его или сохраните в "
                                         "менеджере паролей."},
    [PT_MSG_CODE_LOST] = {[PT_LANG_EN] =
                              "If you lose it, nobody can recover it: we keep only a "
                              "scrambled form of it, and no address to send a new one to. "
                              "The newsroom can still find your pledge by its payment "
                              "reference if you contact them.",
                          [PT_LANG_RU] =
                              "Если вы его потеряете, восстановить его не сможет никто: мы "
                              "храним только его зашифрованный отпечаток и не знаем адреса, "
                              "чтобы прислать новый. Редакция всё же сможет найти вашу "
                              "поддержку по платёжному коду, если вы к ней обратитесь."},
    [PT_MSG_CODE_SHOWN_BEFORE] = {[PT_LANG_EN] =
                                      "The manage code for this pledge was shown once, when this "
                                      "page was first opened, and cannot be shown again.",
                                  [PT_LANG_RU] =
                                      "Код управления этой поддержкой был показан один раз, при "
                                      "первом открытии этой страницы, и больше показан быть не "
                                      "может."},
    [PT_MSG_CODE_TITLE] = {[PT_LANG_EN] = "Manage a pledge with its code",
                           [PT_LANG_RU] = "Управление поддержкой по коду"},
    [PT_MSG_CODE_PAGE_INTRO] = {[PT_LANG_EN] =
                                    "Enter the manage code you were shown after giving. It opens "
                                    "that pledge's page, on any device.",
                                [PT_LANG_RU] =
                                    "Введите код управления, который вам показали после оплаты. "
                                    "Он откроет страницу этой поддержки на любом устройстве."},
    [PT_MSG_CODE_LABEL] = {[PT_LANG_EN] = "Manage code", [PT_LANG_RU] = "Код управления"},
    [PT_MSG_CODE_BUTTON] =
        {[PT_LANG_EN] = "Open my pledge", [PT_LANG_RU] = "Открыть мою поддержку"},
    [PT_MSG_CODE_REFUSED] = {[PT_LANG_EN] =
                                 "That code does not open a pledge. Check it and try again.",
                             [PT_LANG_RU] =
                                 "Этот код не открывает ни одну поддержку. Проверьте его и "
                                 "попробуйте ещё раз."},
    [PT_MSG_CODE_LINK] = {[PT_LANG_EN] = "Gave without an email address? Use your manage code.",
                          [PT_LANG_RU] =
                              "Поддерживали без адреса электронной почты? Воспользуйтесь "
                              "кодом управления."},
    [PT_MSG_CODE_MANAGE_ABOUT] = {[PT_LANG_EN] =
                                      "A manage code opens this page from any device, without "
                                      "email. A new code replaces the old one, which stops working "
                                      "at once.",
                                  [PT_LANG_RU] =
                                      "Код управления открывает эту страницу с любого устройства "
                                      "без электронной почты. Новый код заменяет старый, и тот "
                                      "сразу перестаёт действовать."},
    [PT_MSG_CODE_MANAGE_NEW] =
        {[PT_LANG_EN] = "Get a manage code", [PT_LANG_RU] = "Получить код управления"},
    [PT_MSG_CODE_MANAGE_ROTATE] =
        {[PT_LANG_EN] = "Replace my manage code", [PT_LANG_RU] = "Заменить код управления"},
    [PT_MSG_CODE_NEW_SHOWN] = {[PT_LANG_EN] =
                                   "Your new manage code, shown only this once (any old one no "
                                   "longer works):",
                               [PT_LANG_RU] =
                                   "Ваш новый код управления, он показан только один раз "
                                   "(прежний больше не действует):"},
    [PT_MSG_ERASE_TITLE] = {[PT_LANG_EN] = "Erase my data", [PT_LANG_RU] = "Удалить мои данные"},
    [PT_MSG_ERASE_INTRO] = {[PT_LANG_EN] =
                                "This erases your email address from this pledge and from "
                                "every other pledge given with it, the payment service's "
                                "customer record (where the service deletes it on request), "
                                "and any reminders you asked for. The amounts and dates stay "
                                "in the newsroom's books, with nothing that names you.",
                            [PT_LANG_RU] =
                                "Будут удалены ваш адрес электронной почты — из этой "
                                "поддержки и из всех других, оформленных с ним, — запись о "
                                "вас у платёжного сервиса (если сервис удаляет её по запросу) "
                                "и все напоминания, о которых вы просили. Суммы и даты "
                                "останутся в учёте редакции, но без того, что указывает на "
                                "вас."},
    [PT_MSG_ERASE_RUNNING] = {[PT_LANG_EN] =
                                  "These pledges are still running and will be cancelled first; "
                                  "no more payments will be taken:",
                              [PT_LANG_RU] =
                                  "Эти поддержки ещё действуют и сначала будут отменены; больше "
                                  "платежей не будет:"},
    [PT_MSG_ERASE_BUTTON] = {[PT_LANG_EN] = "Erase my data", [PT_LANG_RU] = "Удалить мои данные"},
    [PT_MSG_ERASE_BUTTON_CANCEL] = {[PT_LANG_EN] = "Cancel my pledges and erase my data",
                                    [PT_LANG_RU] = "Отменить поддержку и удалить мои данные"},
    [PT_MSG_ERASE_DONE] =
        {[PT_LANG_EN] = "Your data is erased", [PT_LANG_RU] = "Ваши данные удалены"},
    [PT_MSG_ERASE_DONE_BODY] = {[PT_LANG_EN] =
                                    "Your address, your customer record and your reminders are "
                                    "gone. Running pledges were cancelled. Links in the emails we "
                                    "sent you no longer lead to anything of yours.",
                                [PT_LANG_RU] =
                                    "Ваш адрес, запись о вас у платёжного сервиса и напоминания "
                                    "удалены. Действовавшие поддержки отменены. Ссылки в наших "
                                    "письмах больше не ведут ни к чему вашему."},
    [PT_MSG_ERASE_NOTHING] = {[PT_LANG_EN] = "There is nothing left to erase: this pledge holds no "
                                             "address.",
                              [PT_LANG_RU] = "Удалять нечего: у этой поддержки нет адреса."},
    [PT_MSG_ERASE_INVALID] = {[PT_LANG_EN] = "This link is not valid or has expired.",
                              [PT_LANG_RU] = "Эта ссылка недействительна или устарела."},
    [PT_MSG_ERASE_FAILED] = {[PT_LANG_EN] =
                                 "The erasure could not be done just now, so nothing was "
                                 "erased. Please try again in a few minutes.",
                             [PT_LANG_RU] = "Сейчас удалить данные не удалось, ничего не удалено. "
                                            "Попробуйте через несколько минут."},

    /* ---------------------------------------------- the newsletter appeal */
    [PT_MSG_NEWSLETTER_CHOOSE] = {[PT_LANG_EN] = "Choose an amount:",
                                  [PT_LANG_RU] = "Выберите сумму:"},
    [PT_MSG_NEWSLETTER_NO_CAMPAIGN] = {[PT_LANG_EN] = "Name the campaign: campaign=ID, with the "
                                                      "campaign's id as the dashboard shows it.",
                                       [PT_LANG_RU] = "Укажите кампанию: campaign=ID, с её "
                                                      "идентификатором, как в панели редакции."},
    [PT_MSG_NEWSLETTER_FORMAT] = {[PT_LANG_EN] = "format must be html or text.",
                                  [PT_LANG_RU] = "format может быть только html или text."},
    [PT_MSG_NEWSLETTER_UNKNOWN_CAMPAIGN] = {[PT_LANG_EN] = "There is no campaign \"%s\".",
                                            [PT_LANG_RU] = "Кампании «%s» нет."},
    [PT_MSG_NEWSLETTER_DRAFT] = {[PT_LANG_EN] = "Campaign \"%s\" is a draft: it goes out once "
                                                "it is live.",
                                 [PT_LANG_RU] = "Кампания «%s» — черновик: её можно разослать, "
                                                "когда она будет запущена."},
    [PT_MSG_NEWSLETTER_NOT_STARTED] = {[PT_LANG_EN] = "Campaign \"%s\" has not started yet.",
                                       [PT_LANG_RU] = "Кампания «%s» ещё не началась."},
    [PT_MSG_NEWSLETTER_ENDED] = {[PT_LANG_EN] = "Campaign \"%s\" has ended.",
                                 [PT_LANG_RU] = "Кампания «%s» закончилась."},
    [PT_MSG_NEWSLETTER_UNKNOWN_VARIANT] = {[PT_LANG_EN] = "Campaign \"%s\" has no variant "
                                                          "\"%s\".",
                                           [PT_LANG_RU] = "В кампании «%s» нет варианта «%s»."},
    [PT_MSG_NEWSLETTER_LANGUAGE] = {[PT_LANG_EN] = "Campaign \"%s\" has no text in \"%s\".",
                                    [PT_LANG_RU] = "У кампании «%s» нет текста на языке «%s»."},
    [PT_MSG_GOAL_SUPPORTERS] = {[PT_LANG_EN] = "{count} of {goal} supporters",
                                [PT_LANG_RU] = "{count} из {goal} сторонников"},
    [PT_MSG_GOAL_SUPPORTERS_MONTH] =
        {[PT_LANG_EN] = "{count} of {goal} new supporters this month",
         [PT_LANG_RU] = "{count} из {goal} новых сторонников в этом месяце"},
    [PT_MSG_GOAL_AMOUNT] = {[PT_LANG_EN] = "{count} raised of our {goal} goal",
                            [PT_LANG_RU] = "Собрано {count} из {goal}"},
    [PT_MSG_GOAL_AMOUNT_MONTH] = {[PT_LANG_EN] = "{count} of {goal} raised this month",
                                  [PT_LANG_RU] = "Собрано {count} из {goal} в этом месяце"},
    [PT_MSG_SUPPORTER_LINK] = {[PT_LANG_EN] = "Stop showing me appeals on this device",
                               [PT_LANG_RU] = "Не показывать мне призывы на этом устройстве"},
    [PT_MSG_SUPPORTER_EMAIL_SUBJECT] = {[PT_LANG_EN] = "Stop the appeals on your device",
                                        [PT_LANG_RU] = "Отключите призывы на своём устройстве"},
    [PT_MSG_SUPPORTER_EMAIL_LEAD] =
        {[PT_LANG_EN] = "You asked to stop seeing our appeals on another device. Open the link "
                        "below on that device and press the button there. The link works for a "
                        "day.",
         [PT_LANG_RU] = "Вы попросили больше не показывать вам наши призывы на другом "
                        "устройстве. Откройте ссылку ниже на этом устройстве и нажмите там "
                        "кнопку. Ссылка действует сутки."},
    [PT_MSG_SUPPORTER_TITLE] =
        {[PT_LANG_EN] = "Already a supporter?", [PT_LANG_RU] = "Вы уже поддерживаете нас?"},
    [PT_MSG_SUPPORTER_INTRO] =
        {[PT_LANG_EN] = "Type the email address you gave with your pledge. We will send it a "
                        "link: open it on this device to stop seeing appeals here. No account, "
                        "and nothing about you or this device is kept.",
         [PT_LANG_RU] = "Введите адрес электронной почты, который вы указали при поддержке. Мы "
                        "пришлём на него ссылку: откройте её на этом устройстве, и призывы "
                        "здесь больше не появятся. Без учётной записи, и ничего о вас и этом "
                        "устройстве не сохраняется."},
    [PT_MSG_SUPPORTER_EMAIL_LABEL] =
        {[PT_LANG_EN] = "Email address", [PT_LANG_RU] = "Адрес электронной почты"},
    [PT_MSG_SUPPORTER_ASK_BUTTON] =
        {[PT_LANG_EN] = "Email me the link", [PT_LANG_RU] = "Прислать ссылку"},
    [PT_MSG_SUPPORTER_SENT] = {[PT_LANG_EN] = "Check your email", [PT_LANG_RU] = "Проверьте почту"},
    [PT_MSG_SUPPORTER_SENT_BODY] =
        {[PT_LANG_EN] = "If this address belongs to a supporter, a link is on its way. Open it "
                        "on this device within a day.",
         [PT_LANG_RU] = "Если этот адрес принадлежит тому, кто нас поддерживает, ссылка уже в "
                        "пути. Откройте её на этом устройстве в течение суток."},
    [PT_MSG_SUPPORTER_DEVICE_INTRO] =
        {[PT_LANG_EN] = "Press the button to stop seeing appeals in this browser. It is "
                        "remembered in this browser only; nothing is kept about you.",
         [PT_LANG_RU] = "Нажмите кнопку, чтобы больше не видеть призывы в этом браузере. Это "
                        "запомнит только сам браузер; о вас ничего не сохраняется."},
    [PT_MSG_SUPPORTER_DEVICE_BUTTON] = {[PT_LANG_EN] = "Stop showing me appeals here",
                                        [PT_LANG_RU] = "Не показывать мне призывы здесь"},
    [PT_MSG_SUPPORTER_DONE] =
        {[PT_LANG_EN] = "Thank you for your support", [PT_LANG_RU] = "Спасибо за вашу поддержку"},
    [PT_MSG_SUPPORTER_DONE_BODY] =
        {[PT_LANG_EN] = "This browser now knows you support us: it will show you no appeals.",
         [PT_LANG_RU] = "Теперь этот браузер знает, что вы нас поддерживаете, и не будет "
                        "показывать вам призывы."},
    [PT_MSG_SUPPORTER_INVALID] =
        {[PT_LANG_EN] = "This link does not work", [PT_LANG_RU] = "Эта ссылка не работает"},
    [PT_MSG_SUPPORTER_INVALID_BODY] =
        {[PT_LANG_EN] = "It has expired or was changed. Ask for a new one.",
         [PT_LANG_RU] = "Срок её действия истёк, или она была изменена. Запросите новую."},
    [PT_MSG_SUPPORTER_ASK_LINK] =
        {[PT_LANG_EN] = "Already a supporter? Stop the appeals on this device",
         [PT_LANG_RU] = "Уже поддерживаете нас? Отключите призывы на этом устройстве"},
    /* The accusative, as the copy says it: "you have read 5 articles",
     * "вы прочитали 5 статей за 4 недели". */
    [PT_MSG_COUNT_ARTICLES] = {[PT_LANG_EN] = "article|articles",
                               [PT_LANG_RU] = "статью|статьи|статей"},
    [PT_MSG_COUNT_WEEKS] = {[PT_LANG_EN] = "week|weeks", [PT_LANG_RU] = "неделю|недели|недель"},
    [PT_MSG_NEWSLETTER_COUNTS_ARTICLES] =
        {[PT_LANG_EN] = "Campaign \"%s\", variant \"%s\", counts the articles each reader read "
                        "on the site ({articles}), which an email cannot know: name a variant "
                        "without it.",
         [PT_LANG_RU] = "В кампании «%s» вариант «%s» называет число статей, прочитанных "
                        "читателем на сайте ({articles}), а письму оно неизвестно: укажите "
                        "вариант без него."},
};

/* pt_reminders_month_name counts from January: the runs must stay whole. */
_Static_assert(PT_MSG_MONTH_DECEMBER - PT_MSG_MONTH_JANUARY == 11, "twelve month names");
_Static_assert(PT_MSG_IN_MONTH_DECEMBER - PT_MSG_IN_MONTH_JANUARY == 11, "twelve \"in month\"s");

size_t pt_i18n_write_number(char *out, size_t size, unsigned long long n, enum pt_lang lang)
{
    const char *separator = lang == PT_LANG_RU ? "\xc2\xa0" : ",";
    size_t separator_length = strlen(separator);
    char digits[24];
    int length = snprintf(digits, sizeof(digits), "%llu", n);
    size_t written = 0;
    for (int i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0 && written + separator_length < size) {
            memcpy(out + written, separator, separator_length);
            written += separator_length;
        }
        if (written + 1 < size)
            out[written++] = digits[i];
    }
    out[written] = '\0';
    return written;
}

unsigned pt_i18n_plural(enum pt_lang lang, unsigned long long n)
{
    if (lang == PT_LANG_RU) {
        unsigned long long ten = n % 10, hundred = n % 100;
        if (ten == 1 && hundred != 11)
            return 0;
        if (ten >= 2 && ten <= 4 && (hundred < 12 || hundred > 14))
            return 1;
        return 2;
    }
    return n == 1 ? 0 : 1;
}

const char *pt_i18n_plural_form(enum pt_msg phrase, enum pt_lang lang, unsigned long long n,
                                size_t *length)
{
    const char *form = pt_i18n_text(phrase, lang);
    for (unsigned skip = pt_i18n_plural(lang, n); skip > 0; skip--) {
        const char *bar = strchr(form, '|');
        if (bar == NULL)
            break; /* fewer forms than the rule counts: the last one */
        form = bar + 1;
    }
    const char *end = strchr(form, '|');
    *length = end != NULL ? (size_t)(end - form) : strlen(form);
    return form;
}

const char *pt_i18n_text(enum pt_msg msg, enum pt_lang lang)
{
    if ((unsigned)msg >= PT_MSG_COUNT || (unsigned)lang >= PT_LANG_COUNT)
        return "";
    const char *text = messages[msg][lang];
    /* A missing cell is a bug the unit test catches; English is the safer
     * answer than a crash in production. */
    if (text == NULL)
        text = messages[msg][PT_LANG_EN];
    return text != NULL ? text : "";
}
