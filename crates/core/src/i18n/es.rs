//! Spanish (neutral Latin American, "usted", plain words): the language of
//! most US patients with limited English.

use super::{Key, Language};

pub(super) const LANGUAGE: Language = Language {
    code: "es",
    name: "Español",
    known_as: &["spanish", "español", "castellano"],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    weekdays: [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
    texts: TEXTS,
    templates: TEMPLATES,
};

const TEXTS: &[(Key, &str)] = &[
    (Key::LongDate, "{weekday} {day} de {month} de {year}"),
    (Key::DayAndMonth, "{weekday} {day} de {month}"),
    (Key::Date, "{day} de {month} de {year}"),
    // La hoja del alta.
    (Key::SheetTitle, "Su plan para salir del hospital"),
    (Key::SheetFor, "Para {name}"),
    (
        Key::PlanDateAndPlace,
        "Está previsto que salga del hospital el {date}, para ir a: {place}.",
    ),
    (
        Key::PlanDate,
        "Está previsto que salga del hospital el {date}.",
    ),
    (Key::PlanPlace, "Cuando salga del hospital, irá a: {place}."),
    (Key::NotePreferred, "Su idioma preferido: {language}."),
    (
        Key::NoteAskForSheet,
        "Pídanos esta hoja en su idioma, o pida un intérprete. Es gratis.",
    ),
    (
        Key::NoteInterpreterCanRead,
        "Pídanos un intérprete. El intérprete puede leerle esta hoja en su idioma. Es gratis.",
    ),
    (
        Key::NoteInterpreter,
        "Puede pedir un intérprete en cualquier momento. Es gratis.",
    ),
    (Key::AskForThisSheet, "Pídanos esta hoja en español."),
    (
        Key::SheetIntro,
        "Revise esta lista con nosotros antes de irse. Una marca quiere decir que ya está hecho; una raya quiere decir que no aplica en su caso. Pregunte por todo lo que no le quede claro.",
    ),
    (Key::WhoHelps, "Quién le ayuda: {who}"),
    (Key::ByDate, "Para el {date}"),
    (Key::ToDo, "Pendiente"),
    (Key::Done, "Hecho"),
    (Key::NotApplicable, "No aplica en su caso"),
    (Key::WhoPatient, "Usted"),
    (Key::WhoFamily, "Usted y su familia o cuidador"),
    (Key::WhoCoordinator, "Su defensor del paciente"),
    (Key::WhoNurse, "Su enfermera o enfermero"),
    (Key::WhoPhysician, "Su médico"),
    (Key::WhoSocialWork, "El trabajador social"),
    (Key::WhoPharmacy, "El farmacéutico"),
    (Key::WhoCaseManagement, "El administrador de casos"),
    (Key::ToHome, "su casa"),
    (
        Key::ToHomeWithServices,
        "su casa, con servicios de salud a domicilio",
    ),
    (
        Key::ToSkilledNursing,
        "un centro de enfermería especializada",
    ),
    (
        Key::ToRehabilitation,
        "un centro de rehabilitación para pacientes hospitalizados",
    ),
    (
        Key::ToOtherFacility,
        "otro centro de atención u otro hospital",
    ),
    (Key::ToHospice, "cuidados de hospicio"),
    (Key::NotesHeading, "Mis preguntas y números de teléfono"),
    (Key::SheetFooter, "{title} · impreso el {date}"),
    (Key::PrintInThisLanguage, "Imprimir en español"),
    (Key::AddedSection, "Agregado para usted"),
    (Key::OnlyInEnglish, "(solo en inglés)"),
    // La hoja de derechos.
    (Key::RightsTitle, "Sus derechos como paciente"),
    (
        Key::RightsIntro,
        "Usted tiene derechos como paciente de este hospital. Debemos respetarlos. Esta hoja se los explica con palabras sencillas. Pregúntenos por todo lo que no le quede claro.",
    ),
    (Key::RightsCareHeading, "Participar en su atención"),
    (
        Key::RightsCareInformed,
        "Usted tiene derecho a recibir información sobre su salud, con palabras que entienda.",
    ),
    (
        Key::RightsCarePlan,
        "Usted tiene derecho a participar en la planificación de su atención. Esto incluye su plan para salir del hospital.",
    ),
    (
        Key::RightsCareDecide,
        "Usted tiene derecho a tomar decisiones sobre su atención. Puede pedir un tratamiento o decir que no a un tratamiento.",
    ),
    (
        Key::RightsCareRepresentative,
        "Una persona que usted elija (su representante) puede tomar estas decisiones con usted o por usted, según lo permita la ley del estado.",
    ),
    (
        Key::RightsDirectivesHeading,
        "Sus deseos por escrito (directivas anticipadas)",
    ),
    (
        Key::RightsDirectivesWhat,
        "Una directiva anticipada es un documento que dice qué atención desea recibir si algún día no puede decidir por su cuenta. En ese documento también puede nombrar a una persona para que decida por usted.",
    ),
    (
        Key::RightsDirectivesRight,
        "Usted tiene derecho a hacer una. Nuestro personal debe cumplirla, según lo permita la ley.",
    ),
    (
        Key::RightsDirectivesAsk,
        "Si desea información sobre las directivas anticipadas, pídanosla.",
    ),
    (Key::RightsToldHeading, "Avisar a su familia y a su médico"),
    (
        Key::RightsToldFamily,
        "Si usted lo desea, avisaremos pronto a un familiar o a otra persona de su elección que usted está en el hospital.",
    ),
    (
        Key::RightsToldDoctor,
        "Si lo desea, también le avisaremos a su propio médico.",
    ),
    (Key::RightsSafetyHeading, "Privacidad y seguridad"),
    (
        Key::RightsSafetyPrivacy,
        "Usted tiene derecho a su privacidad.",
    ),
    (
        Key::RightsSafetyPlace,
        "Usted tiene derecho a recibir atención en un lugar seguro.",
    ),
    (
        Key::RightsSafetyAbuse,
        "Usted tiene derecho a no sufrir maltrato ni acoso. Si le pasa, avísenos de inmediato.",
    ),
    (Key::RightsRecordsHeading, "Su expediente médico"),
    (
        Key::RightsRecordsPrivate,
        "Su expediente médico es confidencial. Debemos protegerlo.",
    ),
    (
        Key::RightsRecordsAccess,
        "Usted tiene derecho a ver la información de su expediente y a recibir una copia, en un plazo razonable. Pregúntenos cómo hacerlo.",
    ),
    (
        Key::RightsRestraintHeading,
        "Restricción de movimientos y aislamiento",
    ),
    (
        Key::RightsRestraintWhat,
        "Restricción quiere decir cualquier cosa que limite sus movimientos, incluido el uso de algunos medicamentos con ese fin. Aislamiento quiere decir que usted tiene que estar a solas en una habitación de la que no le permiten salir.",
    ),
    (
        Key::RightsRestraintOnlyForSafety,
        "Solo se pueden usar para proteger su seguridad o la de otras personas, y deben terminar en cuanto no haya peligro.",
    ),
    (
        Key::RightsRestraintNever,
        "Nunca se deben usar como castigo ni porque sea más fácil para el personal.",
    ),
    (Key::RightsVisitorsHeading, "Visitas"),
    (
        Key::RightsVisitorsChoose,
        "Usted tiene derecho a elegir a sus visitas. Pueden ser su esposo o esposa, su pareja (incluida una pareja del mismo sexo), un familiar o una amistad.",
    ),
    (
        Key::RightsVisitorsChange,
        "Puede cambiar de opinión sobre una visita en cualquier momento.",
    ),
    (
        Key::RightsVisitorsNoDiscrimination,
        "No limitamos las visitas por motivos de raza, color, origen nacional, religión, sexo, identidad de género, orientación sexual o discapacidad.",
    ),
    (
        Key::RightsVisitorsLimits,
        "A veces hay que limitar las visitas por razones de salud o de seguridad. En ese caso, le diremos por qué.",
    ),
    (Key::RightsLanguageHeading, "Ayuda con el idioma"),
    (
        Key::RightsLanguageInterpreter,
        "Usted tiene derecho a un intérprete sin costo. Esto incluye el lenguaje de señas.",
    ),
    (
        Key::RightsLanguagePapers,
        "Puede pedir los documentos importantes en su idioma, o pedir que alguien se los lea.",
    ),
    (
        Key::RightsLanguageNoFamily,
        "No tiene que pedirle a un familiar o a una amistad que le sirva de intérprete.",
    ),
    (
        Key::RightsLanguageAsk,
        "Para pedir un intérprete, dígaselo a cualquier miembro del personal.",
    ),
    (Key::InterpreterServices, "Servicio de intérpretes"),
    (
        Key::RightsConcernHeading,
        "Si tiene una inquietud o una queja",
    ),
    (
        Key::RightsConcernTellUs,
        "Díganoslo. Puede hablar con su enfermera o enfermero, su médico o cualquier miembro del personal. Muchas veces podemos resolver el problema de inmediato.",
    ),
    (
        Key::RightsConcernOffice,
        "También puede comunicarse con nuestra oficina de relaciones con los pacientes.",
    ),
    (
        Key::PatientRelations,
        "Oficina de relaciones con los pacientes",
    ),
    (
        Key::RightsConcernGrievance,
        "Puede presentar una queja formal (en inglés, \"grievance\"). Puede hacerlo hablando con nosotros o por escrito. Una persona que usted elija puede presentarla por usted.",
    ),
    (
        Key::RightsConcernNoEffect,
        "Expresar una inquietud o presentar una queja no afectará su atención.",
    ),
    (
        Key::RightsAfterHeading,
        "Después de presentar una queja formal",
    ),
    (Key::RightsAfterLookInto, "Investigamos su queja formal."),
    (
        Key::RightsAfterAnswer,
        "Le enviamos una respuesta por escrito. La respuesta dice con quién puede comunicarse aquí, qué hicimos para investigarla, qué encontramos y cuándo terminamos.",
    ),
    (
        Key::RightsAfterDays,
        "Tratamos de enviarla en un plazo de {days} días.",
    ),
    (
        Key::RightsAfterLonger,
        "Algunas quejas formales llevan más tiempo. Si la suya tarda más, le enviaremos una carta para avisarle y para decirle cuándo recibirá nuestra respuesta.",
    ),
    (Key::RightsOutsideHeading, "Ayuda de fuera del hospital"),
    (
        Key::RightsOutsideState,
        "También puede comunicarse con la agencia estatal que inspecciona los hospitales. Puede hacerlo en cualquier momento, haya usado o no nuestro proceso.",
    ),
    (
        Key::StateAgency,
        "Agencia estatal que inspecciona los hospitales",
    ),
    (
        Key::RightsOutsideQio,
        "Si tiene Medicare, también puede llamar a la Organización para el Mejoramiento de la Calidad (QIO, por sus siglas en inglés).",
    ),
    (
        Key::RightsOutsideQioWhy,
        "Llame a la QIO si tiene una inquietud sobre la calidad de su atención, o si cree que le están dando de alta del hospital demasiado pronto.",
    ),
    (
        Key::RightsOutsideTooSoon,
        "Si cree que le dan de alta demasiado pronto, llame a la QIO antes de salir del hospital. El aviso \"Mensaje importante de Medicare sobre sus derechos\" que le dimos explica cómo hacerlo.",
    ),
    (
        Key::Qio,
        "Organización para el Mejoramiento de la Calidad (QIO)",
    ),
    (Key::ContactLine, "{name}: {phone}"),
    (Key::AskForNumber, "pídanos este número"),
    (
        Key::RightsSource,
        "Basado en 42 CFR 482.13 (Condiciones de Participación de Medicare: derechos del paciente)",
    ),
    (
        Key::RightsSourceLanguage,
        "Ayuda con el idioma: Sección 1557 de la Ley del Cuidado de Salud a Bajo Precio (45 CFR 92.201)",
    ),
];

const TEMPLATES: &[(&str, &str)] = &[
    (
        "Discharge planning checklist (patient and caregiver)",
        "Lista de verificación para planificar el alta (paciente y cuidador)",
    ),
    ("Where you go next", "Adónde irá después"),
    (
        "We agreed where you will go after the hospital (home, home with services, or a facility)",
        "Acordamos adónde irá después del hospital (a su casa, a su casa con servicios o a un centro de atención)",
    ),
    (
        "The person who will help you is named and part of the planning",
        "Se sabe quién le ayudará, y esa persona participa en la planificación",
    ),
    (
        "If you go to a facility, you were given choices and one was chosen",
        "Si va a un centro de atención, le dimos opciones y se eligió uno",
    ),
    ("Your condition", "Su problema de salud"),
    (
        "You can say what your condition is and how to help your recovery",
        "Usted puede decir cuál es su problema de salud y cómo ayudar a su recuperación",
    ),
    (
        "You know the warning signs and whom to call about them",
        "Usted conoce las señales de alerta y sabe a quién llamar si aparecen",
    ),
    (
        "You have written information about your condition",
        "Usted tiene información por escrito sobre su problema de salud",
    ),
    ("Medicines", "Medicamentos"),
    (
        "You have a complete list of your medicines, with what is new, changed or stopped",
        "Usted tiene una lista completa de sus medicamentos, que indica cuáles son nuevos, cuáles cambiaron y cuáles se suspendieron",
    ),
    (
        "You know how and when to take each one and which side effects to watch for",
        "Usted sabe cómo y cuándo tomar cada uno, y qué efectos secundarios debe vigilar",
    ),
    (
        "You know how to get your medicines and can afford them",
        "Usted sabe cómo conseguir sus medicamentos y puede pagarlos",
    ),
    ("Equipment and help at home", "Equipo y ayuda en casa"),
    (
        "Medical equipment you need is ordered and its delivery arranged",
        "Se pidió el equipo médico que necesita y se organizó la entrega",
    ),
    (
        "Help with bathing, dressing, eating and using the toilet is arranged",
        "Se organizó ayuda para bañarse, vestirse, comer e ir al baño",
    ),
    (
        "Home-health or other services are arranged and insurance coverage checked",
        "Se organizaron los servicios de salud a domicilio u otros servicios, y se revisó la cobertura del seguro",
    ),
    (
        "You were given instructions for diet and activity",
        "Le dieron instrucciones sobre su alimentación y su actividad física",
    ),
    ("Follow-up", "Seguimiento"),
    (
        "Follow-up appointments are made, with date, place and transport",
        "Se programaron las citas de seguimiento, con fecha, lugar y transporte",
    ),
    (
        "Tests still pending, and who will follow them up, are known",
        "Se sabe qué pruebas siguen pendientes y quién les dará seguimiento",
    ),
    (
        "You have a named person to call with questions after you leave",
        "Usted tiene el nombre de una persona a quien llamar si tiene preguntas después de salir",
    ),
    ("Your caregiver", "Su cuidador"),
    (
        "Your caregiver knows what help you need and was shown how to give it",
        "Su cuidador sabe qué ayuda necesita usted, y a su cuidador le enseñaron cómo dársela",
    ),
    (
        "Your caregiver knows where to find support and respite",
        "Su cuidador sabe dónde encontrar apoyo y cuidados de relevo para descansar",
    ),
    ("Paperwork and the trip home", "Documentos y regreso a casa"),
    (
        "You have a written discharge plan in your language",
        "Usted tiene un plan de alta por escrito en su idioma",
    ),
    (
        "Transport home is arranged",
        "Se organizó el transporte a casa",
    ),
    (
        "Re-Engineered Discharge (RED): 12 components",
        "Alta rediseñada (RED, Re-Engineered Discharge): 12 componentes",
    ),
    ("RED components", "Componentes del programa RED"),
    (
        "Find out whether language help is needed, and arrange it",
        "Averiguar si se necesita ayuda con el idioma, y organizarla",
    ),
    (
        "Make the follow-up appointments and post-discharge tests",
        "Programar las citas de seguimiento y las pruebas para después del alta",
    ),
    (
        "Plan who follows up test results still pending at discharge",
        "Decidir quién dará seguimiento a los resultados de pruebas que sigan pendientes al momento del alta",
    ),
    (
        "Organise outpatient services and medical equipment after discharge",
        "Organizar los servicios ambulatorios y el equipo médico para después del alta",
    ),
    (
        "Identify the right medicines and how the patient will get them",
        "Identificar los medicamentos correctos y cómo los conseguirá el paciente",
    ),
    (
        "Check the discharge plan against national guidelines",
        "Revisar que el plan de alta siga las guías nacionales",
    ),
    (
        "Teach a written discharge plan the patient can understand",
        "Enseñar un plan de alta por escrito que el paciente pueda entender",
    ),
    (
        "Teach the patient about the diagnosis and the medicines",
        "Explicarle al paciente su diagnóstico y sus medicamentos",
    ),
    (
        "Go over what to do if a problem comes up",
        "Repasar qué hacer si surge un problema",
    ),
    (
        "Check understanding with teach-back",
        "Comprobar que el paciente entendió, pidiéndole que lo explique con sus propias palabras",
    ),
    (
        "Send the discharge summary quickly to the clinicians taking over care",
        "Enviar pronto el resumen del alta a los profesionales de salud que continuarán la atención",
    ),
    (
        "Reinforce the plan by telephone after discharge (usually within 2–3 days)",
        "Reforzar el plan por teléfono después del alta (por lo general, en un plazo de 2 a 3 días)",
    ),
];
